"""A SAML 2.0 identity provider for the tests, as far as the site can see one:
a key pair and a self-signed certificate made at test time, and responses to
the site's authentication requests signed with them (python3-saml's xmlsec)."""

import base64
import re
import uuid
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlparse
from xml.sax.saxutils import escape

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from lxml import etree
from onelogin.saml2.utils import OneLogin_Saml2_Utils

ENTITY_ID = "https://idp.cityhall.example/saml"
SSO_URL = "https://idp.cityhall.example/saml/sso"


@dataclass(frozen=True)
class KeyPair:
    private_key: str  # PEM
    certificate: str  # PEM


def key_pair(common_name: str = "Test identity provider") -> KeyPair:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30)).sign(key, hashes.SHA256())
    )
    return KeyPair(
        private_key=key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode(),
        certificate=certificate.public_bytes(serialization.Encoding.PEM).decode(),
    )


def request_id(location: str) -> str:
    """The ID of the AuthnRequest the site sent in a redirect to the IdP."""
    encoded = parse_qs(urlparse(location).query)["SAMLRequest"][0]
    xml = zlib.decompress(base64.b64decode(encoded), -15)
    return etree.fromstring(xml).get("ID")


def _instant(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def response(*, in_response_to: str, acs_url: str, audience: str, name_id: str, attributes: dict[str, str],
             keys: KeyPair | None, tamper=None) -> str:
    """A base64 SAMLResponse whose assertion is signed with `keys` (unsigned
    when None); `tamper(xml)` changes the signed XML before it is sent."""
    now = datetime.now(UTC)
    assertion_id, response_id = f"_{uuid.uuid4().hex}", f"_{uuid.uuid4().hex}"
    statements = "".join(
        f'<saml:Attribute Name="{escape(name)}"><saml:AttributeValue>{escape(value)}</saml:AttributeValue>'
        f"</saml:Attribute>"
        for name, value in attributes.items()
    )
    assertion = f"""<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="{assertion_id}"
 Version="2.0" IssueInstant="{_instant(now)}">
  <saml:Issuer>{ENTITY_ID}</saml:Issuer>
  <saml:Subject>
    <saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">{escape(name_id)}</saml:NameID>
    <saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">
      <saml:SubjectConfirmationData NotOnOrAfter="{_instant(now + timedelta(minutes=5))}" Recipient="{acs_url}"
       InResponseTo="{in_response_to}"/>
    </saml:SubjectConfirmation>
  </saml:Subject>
  <saml:Conditions NotBefore="{_instant(now - timedelta(minutes=1))}"
   NotOnOrAfter="{_instant(now + timedelta(minutes=5))}">
    <saml:AudienceRestriction><saml:Audience>{audience}</saml:Audience></saml:AudienceRestriction>
  </saml:Conditions>
  <saml:AuthnStatement AuthnInstant="{_instant(now)}" SessionIndex="_{uuid.uuid4().hex}">
    <saml:AuthnContext>
      <saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef>
    </saml:AuthnContext>
  </saml:AuthnStatement>
  <saml:AttributeStatement>{statements}</saml:AttributeStatement>
</saml:Assertion>"""
    if keys is not None:
        assertion = OneLogin_Saml2_Utils.add_sign(assertion, keys.private_key, keys.certificate).decode()
        assertion = re.sub(r"^<\?xml[^>]*\?>", "", assertion).strip()
    xml = f"""<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"
 xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="{response_id}" Version="2.0"
 IssueInstant="{_instant(now)}" Destination="{acs_url}" InResponseTo="{in_response_to}">
  <saml:Issuer>{ENTITY_ID}</saml:Issuer>
  <samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>
  {assertion}
</samlp:Response>"""
    if tamper is not None:
        xml = tamper(xml)
    return base64.b64encode(xml.encode()).decode()
