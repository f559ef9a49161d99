"""Single sign-on providers, read from the environment (strictly, as
metroplan/env.py reads the rest): django-allauth's SOCIALACCOUNT_PROVIDERS.

    SSO_PROVIDERS=entra,metropolis        the providers' ids, in the order of the buttons
    SSO_ENTRA_PROTOCOL=oidc               oidc (OpenID Connect) or saml (SAML 2.0)
    SSO_ENTRA_NAME=Microsoft Entra ID     the button's label (default: the id)
    SSO_ENTRA_DISCOVERY_URL=https://login.microsoftonline.com/<tenant>/v2.0
    SSO_ENTRA_CLIENT_ID=...  SSO_ENTRA_CLIENT_SECRET=...  [SSO_ENTRA_SCOPES=openid profile email]
    SSO_METROPOLIS_PROTOCOL=saml
    SSO_METROPOLIS_IDP_ENTITY_ID=...  SSO_METROPOLIS_IDP_SSO_URL=...  SSO_METROPOLIS_IDP_CERTIFICATE=<PEM>
      (or SSO_METROPOLIS_IDP_METADATA_URL=... with SSO_METROPOLIS_IDP_ENTITY_ID)
    [SSO_METROPOLIS_SP_ENTITY_ID=...] [SSO_METROPOLIS_ATTRIBUTE_EMAIL=...] [..._ATTRIBUTE_UID=...]
    [..._ATTRIBUTE_FIRST_NAME=...] [..._ATTRIBUTE_LAST_NAME=...]

An id is lower-case letters, digits and underscores, starting with a letter; it
names the provider in the sign-in URLs (/accounts/oidc/<id>/..., /accounts/saml/<id>/...)
and in the staff's choices (which e-mail domains map to which member). A missing
or malformed value, or an SSO_ variable nobody reads (a typo), stops the process
with ImproperlyConfigured naming the variable.
"""

import re
from collections.abc import Mapping
from urllib.parse import urlparse

from django.core.exceptions import ImproperlyConfigured

PREFIX = "SSO_"
PROTOCOLS = ("oidc", "saml")
ID_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,39}")
OIDC_KEYS = {"PROTOCOL", "NAME", "DISCOVERY_URL", "CLIENT_ID", "CLIENT_SECRET", "SCOPES"}
SAML_ATTRIBUTES = {
    "ATTRIBUTE_UID": "uid",
    "ATTRIBUTE_EMAIL": "email",
    "ATTRIBUTE_FIRST_NAME": "first_name",
    "ATTRIBUTE_LAST_NAME": "last_name",
}
SAML_KEYS = {
    "PROTOCOL", "NAME", "IDP_ENTITY_ID", "IDP_SSO_URL", "IDP_CERTIFICATE", "IDP_METADATA_URL", "SP_ENTITY_ID",
    *SAML_ATTRIBUTES,
}
# Where the common identity providers put the e-mail address, the given and the
# family name (Entra ID, ADFS, Okta, Keycloak and Google send one of these).
SAML_DEFAULT_ATTRIBUTES = {
    "email": [
        "email", "mail", "urn:oid:0.9.2342.19200300.100.1.3",
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
    ],
    "first_name": [
        "first_name", "givenName", "urn:oid:2.5.4.42",
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname",
    ],
    "last_name": [
        "last_name", "sn", "urn:oid:2.5.4.4", "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname",
    ],
}


def _ids(environ: Mapping[str, str]) -> list[str]:
    raw = environ.get(f"{PREFIX}PROVIDERS", "")
    ids = [item.strip() for item in raw.split(",") if item.strip()]
    for provider_id in ids:
        if not ID_PATTERN.fullmatch(provider_id):
            raise ImproperlyConfigured(
                f"{PREFIX}PROVIDERS: {provider_id!r} is not a provider id (lower-case letters, digits and "
                "underscores, starting with a letter, at most 40 characters)"
            )
    if len(set(ids)) != len(ids):
        raise ImproperlyConfigured(f"{PREFIX}PROVIDERS names a provider twice: {raw!r}")
    return ids


def _value(environ, name: str, *, required: bool = False) -> str:
    value = (environ.get(name) or "").strip()
    if required and not value:
        raise ImproperlyConfigured(f"{name} must be set")
    return value


def _url(environ, name: str, *, required: bool = False) -> str:
    value = _value(environ, name, required=required)
    if value:
        parts = urlparse(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ImproperlyConfigured(f"{name} must be an http(s) URL, got {value!r}")
    return value


def _certificate(environ, name: str) -> str:
    """A PEM certificate, or the base64 body of one; returned as the body."""
    value = _value(environ, name)
    body = re.sub(r"-----(BEGIN|END) CERTIFICATE-----", "", value)
    body = "".join(body.split())
    if value and not re.fullmatch(r"[A-Za-z0-9+/]+={0,2}", body):
        raise ImproperlyConfigured(f"{name} must be a PEM certificate (or its base64 body)")
    return body


def _oidc_app(environ, provider_id: str, name: str) -> dict:
    var = f"{PREFIX}{provider_id.upper()}_"
    scopes = _value(environ, var + "SCOPES") or "openid profile email"
    scope = scopes.replace(",", " ").split()
    if "openid" not in scope:
        raise ImproperlyConfigured(f"{var}SCOPES must include openid, got {scopes!r}")
    return {
        "provider_id": provider_id,
        "name": name,
        "client_id": _value(environ, var + "CLIENT_ID", required=True),
        "secret": _value(environ, var + "CLIENT_SECRET", required=True),
        "settings": {
            # The issuer, or its discovery document (…/.well-known/openid-configuration).
            "server_url": _url(environ, var + "DISCOVERY_URL", required=True),
            "scope": scope,
            "oauth_pkce_enabled": True,
        },
    }


def _saml_app(environ, provider_id: str, name: str) -> dict:
    var = f"{PREFIX}{provider_id.upper()}_"
    entity_id = _value(environ, var + "IDP_ENTITY_ID", required=True)
    metadata_url = _url(environ, var + "IDP_METADATA_URL")
    if metadata_url:
        idp = {"entity_id": entity_id, "metadata_url": metadata_url}
    else:
        certificate = _certificate(environ, var + "IDP_CERTIFICATE")
        if not certificate:
            raise ImproperlyConfigured(f"{var}IDP_CERTIFICATE (or {var}IDP_METADATA_URL) must be set")
        idp = {
            "entity_id": entity_id,
            "sso_url": _url(environ, var + "IDP_SSO_URL", required=True),
            "x509cert": certificate,
        }
    mapping = {key: list(names) for key, names in SAML_DEFAULT_ATTRIBUTES.items()}
    for suffix, key in SAML_ATTRIBUTES.items():
        given = _value(environ, var + suffix)
        if given:
            mapping[key] = [given]
    app_settings = {
        "idp": idp,
        "attribute_mapping": mapping,
        # With no e-mail attribute, an e-mail-shaped NameID is the address.
        "use_nameid_for_email": False,
        "advanced": {
            "strict": True,
            # The assertion itself must carry the identity provider's signature
            # (python3-saml refuses a response with no signature at all).
            "want_assertion_signed": True,
            "reject_idp_initiated_sso": True,
            "reject_deprecated_algorithm": True,
        },
    }
    sp_entity_id = _value(environ, var + "SP_ENTITY_ID")
    if sp_entity_id:
        app_settings["sp"] = {"entity_id": sp_entity_id}
    # The SAML provider's URLs name the app by its client_id: /accounts/saml/<id>/acs/.
    return {"provider_id": provider_id, "name": name, "client_id": provider_id, "settings": app_settings}


def sign_in_providers(environ: Mapping[str, str]) -> dict:
    """SOCIALACCOUNT_PROVIDERS for the providers `environ` configures."""
    ids = _ids(environ)
    oidc, saml = [], []
    known = {f"{PREFIX}PROVIDERS"}
    for provider_id in ids:
        var = f"{PREFIX}{provider_id.upper()}_"
        protocol = _value(environ, var + "PROTOCOL", required=True).lower()
        if protocol not in PROTOCOLS:
            raise ImproperlyConfigured(f"{var}PROTOCOL must be oidc or saml, got {protocol!r}")
        name = _value(environ, var + "NAME") or provider_id
        if protocol == "oidc":
            oidc.append(_oidc_app(environ, provider_id, name))
            known |= {var + key for key in OIDC_KEYS}
        else:
            saml.append(_saml_app(environ, provider_id, name))
            known |= {var + key for key in SAML_KEYS}
    unknown = sorted(name for name in environ if name.startswith(PREFIX) and name not in known)
    if unknown:
        raise ImproperlyConfigured(
            f"{', '.join(unknown)}: not a single sign-on setting of a provider listed in {PREFIX}PROVIDERS"
        )
    providers: dict = {}
    if oidc:
        providers["openid_connect"] = {"OAUTH_PKCE_ENABLED": True, "APPS": oidc}
    if saml:
        providers["saml"] = {"APPS": saml}
    return providers


def provider_choices(providers: dict) -> list[tuple[str, str]]:
    """(id, name) of each configured provider: OpenID Connect ones first,
    each protocol's in the order of SSO_PROVIDERS."""
    return [(app["provider_id"], app["name"]) for config in providers.values() for app in config.get("APPS", [])]


def provider_origins(providers: dict) -> list[str]:
    """The origins a sign-in form sends the browser to (after a redirect): each
    OpenID Connect provider's issuer and each SAML identity provider's
    sign-in service. The Content Security Policy's form-action must allow
    them on the pages with those forms (SignInFormActionMiddleware)."""
    origins = []
    for config in providers.values():
        for app in config.get("APPS", []):
            app_settings = app.get("settings", {})
            idp = app_settings.get("idp", {})
            url = app_settings.get("server_url") or idp.get("sso_url") or idp.get("metadata_url") or ""
            parts = urlparse(url)
            origin = f"{parts.scheme}://{parts.netloc}"
            if parts.netloc and origin not in origins:
                origins.append(origin)
    return origins
