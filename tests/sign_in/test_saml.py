"""SAML 2.0 sign-in: responses signed with a key pair made at test time
(tests/sign_in/saml_idp.py), sent to the site's assertion consumer service
as an identity provider's browser post would. A valid signed response signs
a linked user in; a tampered, unsigned or foreign-signed one is refused; a
valid one for someone not yet linked waits for staff like any single sign-on."""

import pytest
from allauth.socialaccount.models import SocialAccount

from members.models import SignInDomain, SignInProvider, SignInRequest
from metroplan.sign_in_providers import sign_in_providers
from metroplan.testing import factories as f

from . import saml_idp

PROVIDER = "cityhall"
HOST = "plan.metropolis.example"
ACS = f"http://{HOST}/accounts/saml/{PROVIDER}/acs/"
AUDIENCE = f"http://{HOST}/accounts/saml/{PROVIDER}/metadata/"


@pytest.fixture
def idp(settings, client):
    # The site's public name, as browsers send it (python3-saml reads the Host header).
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, HOST]
    client.defaults["HTTP_HOST"] = HOST
    keys = saml_idp.key_pair()
    settings.SOCIALACCOUNT_PROVIDERS = sign_in_providers({
        "SSO_PROVIDERS": PROVIDER,
        "SSO_CITYHALL_PROTOCOL": "saml",
        "SSO_CITYHALL_NAME": "City Hall",
        "SSO_CITYHALL_IDP_ENTITY_ID": saml_idp.ENTITY_ID,
        "SSO_CITYHALL_IDP_SSO_URL": saml_idp.SSO_URL,
        "SSO_CITYHALL_IDP_CERTIFICATE": keys.certificate,
    })
    return keys


@pytest.fixture
def ana(db):
    member = f.MemberFactory(slug="barcelona", name="Barcelona")
    user = f.FocalPointFactory(user=f.UserFactory(username="ana", email="ana.garcia@bcn.cat"), member=member).user
    SocialAccount.objects.create(user=user, provider=PROVIDER, uid="ana-0001")
    return user


def sign_in(client, *, keys, name_id="ana-0001", email="ana.garcia@bcn.cat", tamper=None):
    """The site sends the browser to the IdP; the IdP posts its answer back."""
    start = client.post(f"/accounts/saml/{PROVIDER}/login/")
    assert start.status_code == 302 and start["Location"].startswith(saml_idp.SSO_URL)
    saml_response = saml_idp.response(
        in_response_to=saml_idp.request_id(start["Location"]), acs_url=ACS, audience=AUDIENCE, name_id=name_id,
        attributes={"email": email, "first_name": "Ana", "last_name": "García"}, keys=keys, tamper=tamper,
    )
    return client.post(f"/accounts/saml/{PROVIDER}/acs/", {"SAMLResponse": saml_response}, follow=True)


def signed_in_as(client):
    return client.session.get("_auth_user_id")


@pytest.mark.django_db
def test_a_valid_signed_response_signs_the_linked_user_in(client, idp, ana):
    response = sign_in(client, keys=idp)
    assert response.redirect_chain[-1][0] == "/"
    assert signed_in_as(client) == str(ana.pk)
    assert "ana · Barcelona" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("tamper", [
    pytest.param(lambda xml: xml.replace("ana-0001", "root-0001"), id="another-subject"),
    pytest.param(lambda xml: xml.replace("ana.garcia@bcn.cat", "ana.garcia@evil.example"), id="another-address"),
    pytest.param(lambda xml: xml.replace("PasswordProtectedTransport", "Kerberos"), id="any-signed-byte"),
])
def test_a_tampered_response_is_refused(client, idp, ana, tamper):
    response = sign_in(client, keys=idp, tamper=tamper)
    assert response.status_code == 401
    assert "Sign-in failed" in response.content.decode()
    assert signed_in_as(client) is None
    assert not SignInRequest.objects.exists()


@pytest.mark.django_db
def test_an_unsigned_response_is_refused(client, idp, ana):
    response = sign_in(client, keys=None)
    assert response.status_code == 401 and signed_in_as(client) is None


@pytest.mark.django_db
def test_a_response_signed_by_another_key_is_refused(client, idp, ana):
    response = sign_in(client, keys=saml_idp.key_pair("An impostor"))
    assert response.status_code == 401 and signed_in_as(client) is None


@pytest.mark.django_db
def test_a_response_meant_for_another_site_is_refused(client, idp, ana):
    start = client.post(f"/accounts/saml/{PROVIDER}/login/")
    saml_response = saml_idp.response(
        in_response_to=saml_idp.request_id(start["Location"]), acs_url=ACS,
        audience="https://another-site.example/saml/metadata/", name_id="ana-0001",
        attributes={"email": "ana.garcia@bcn.cat"}, keys=idp,
    )
    response = client.post(f"/accounts/saml/{PROVIDER}/acs/", {"SAMLResponse": saml_response}, follow=True)
    assert response.status_code == 401 and signed_in_as(client) is None


@pytest.mark.django_db
def test_a_response_nobody_asked_for_is_refused(client, idp, ana):
    """An identity provider's unsolicited answer (no request of this browser's) signs nobody in."""
    saml_response = saml_idp.response(
        in_response_to="_never-sent", acs_url=ACS, audience=AUDIENCE, name_id="ana-0001",
        attributes={"email": "ana.garcia@bcn.cat"}, keys=idp,
    )
    response = client.post(f"/accounts/saml/{PROVIDER}/acs/", {"SAMLResponse": saml_response}, follow=True)
    assert signed_in_as(client) is None and response.status_code in (400, 401, 403)


@pytest.mark.django_db
def test_someone_not_yet_linked_waits_for_staff_like_any_single_sign_on(client, idp):
    member = f.MemberFactory(slug="barcelona", name="Barcelona")
    SignInDomain.objects.create(provider=PROVIDER, domain="bcn.cat", member=member)
    SignInProvider.objects.create(provider=PROVIDER, new_users_allowed=True)
    response = sign_in(client, keys=idp, name_id="marta-0002", email="marta@bcn.cat")
    assert response.redirect_chain[-1][0] == "/accounts/sso/waiting/"
    assert "Waiting for approval" in response.content.decode()
    assert signed_in_as(client) is None
    request = SignInRequest.objects.get()
    assert (request.email, request.uid, request.member, request.state) == ("marta@bcn.cat", "marta-0002", member,
                                                                          "pending")


@pytest.mark.django_db
def test_the_site_publishes_its_service_provider_metadata(client, idp):
    response = client.get(f"/accounts/saml/{PROVIDER}/metadata/")
    assert response.status_code == 200
    assert ACS.encode() in response.content and AUDIENCE.encode() in response.content
