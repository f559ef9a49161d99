"""Single sign-on providers from the environment (SSO_*): parsed strictly, so
that a typo or a missing value stops the site at start, naming the variable."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from metroplan.sign_in_providers import provider_choices, provider_origins, sign_in_providers

CERTIFICATE = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUKc0=\n-----END CERTIFICATE-----\n"
ENTRA = {
    "SSO_ENTRA_PROTOCOL": "oidc",
    "SSO_ENTRA_NAME": "Microsoft Entra ID",
    "SSO_ENTRA_DISCOVERY_URL": "https://login.microsoftonline.com/tenant-id/v2.0",
    "SSO_ENTRA_CLIENT_ID": "client-id",
    "SSO_ENTRA_CLIENT_SECRET": "client-secret",
}
CITY = {
    "SSO_CITY_PROTOCOL": "saml",
    "SSO_CITY_IDP_ENTITY_ID": "https://idp.city.example/saml",
    "SSO_CITY_IDP_SSO_URL": "https://idp.city.example/saml/sso",
    "SSO_CITY_IDP_CERTIFICATE": CERTIFICATE,
}


def test_no_variable_no_provider():
    assert sign_in_providers({}) == {}


def test_an_openid_connect_and_a_saml_provider():
    providers = sign_in_providers({"SSO_PROVIDERS": "entra, city", **ENTRA, **CITY})
    entra = providers["openid_connect"]["APPS"][0]
    assert entra["provider_id"] == "entra" and entra["name"] == "Microsoft Entra ID"
    assert (entra["client_id"], entra["secret"]) == ("client-id", "client-secret")
    assert entra["settings"]["server_url"] == "https://login.microsoftonline.com/tenant-id/v2.0"
    assert entra["settings"]["scope"] == ["openid", "profile", "email"] and entra["settings"]["oauth_pkce_enabled"]
    city = providers["saml"]["APPS"][0]
    assert city["client_id"] == "city" and city["name"] == "city"
    assert city["settings"]["idp"] == {
        "entity_id": "https://idp.city.example/saml", "sso_url": "https://idp.city.example/saml/sso",
        "x509cert": "MIIBszCCAVmgAwIBAgIUKc0=",
    }
    assert city["settings"]["advanced"]["want_assertion_signed"] is True
    assert provider_choices(providers) == [("entra", "Microsoft Entra ID"), ("city", "city")]
    assert provider_origins(providers) == ["https://login.microsoftonline.com", "https://idp.city.example"]


def test_saml_attribute_names_and_metadata_url():
    providers = sign_in_providers({
        "SSO_PROVIDERS": "city", "SSO_CITY_PROTOCOL": "saml", "SSO_CITY_IDP_ENTITY_ID": "urn:city",
        "SSO_CITY_IDP_METADATA_URL": "https://idp.city.example/metadata", "SSO_CITY_ATTRIBUTE_EMAIL": "mailAddress",
        "SSO_CITY_SP_ENTITY_ID": "https://plan.example.org/saml",
    })
    app_settings = providers["saml"]["APPS"][0]["settings"]
    assert app_settings["idp"] == {"entity_id": "urn:city", "metadata_url": "https://idp.city.example/metadata"}
    assert app_settings["attribute_mapping"]["email"] == ["mailAddress"]
    assert app_settings["sp"] == {"entity_id": "https://plan.example.org/saml"}


@pytest.mark.parametrize("environ, named", [
    ({"SSO_PROVIDERS": "entra", **{k: v for k, v in ENTRA.items() if k != "SSO_ENTRA_CLIENT_SECRET"}},
     "SSO_ENTRA_CLIENT_SECRET"),
    ({"SSO_PROVIDERS": "entra"}, "SSO_ENTRA_PROTOCOL"),
    ({"SSO_PROVIDERS": "entra", **ENTRA, "SSO_ENTRA_PROTOCOL": "oauth"}, "SSO_ENTRA_PROTOCOL"),
    ({"SSO_PROVIDERS": "entra", **ENTRA, "SSO_ENTRA_DISCOVERY_URL": "login.microsoftonline.com"},
     "SSO_ENTRA_DISCOVERY_URL"),
    ({"SSO_PROVIDERS": "entra", **ENTRA, "SSO_ENTRA_SCOPES": "profile email"}, "SSO_ENTRA_SCOPES"),
    ({"SSO_PROVIDERS": "entra", **ENTRA, "SSO_ENTRA_CLIENTID": "typo"}, "SSO_ENTRA_CLIENTID"),
    ({**ENTRA}, "SSO_ENTRA_PROTOCOL"),  # settings of a provider nobody listed
    ({"SSO_PROVIDERS": "Entra-ID"}, "SSO_PROVIDERS"),
    ({"SSO_PROVIDERS": "entra,entra", **ENTRA}, "SSO_PROVIDERS"),
    ({"SSO_PROVIDERS": "city", **{k: v for k, v in CITY.items() if k != "SSO_CITY_IDP_CERTIFICATE"}},
     "SSO_CITY_IDP_CERTIFICATE"),
    ({"SSO_PROVIDERS": "city", **CITY, "SSO_CITY_IDP_CERTIFICATE": "not a certificate!"}, "SSO_CITY_IDP_CERTIFICATE"),
    ({"SSO_PROVIDERS": "city", **{k: v for k, v in CITY.items() if k != "SSO_CITY_IDP_SSO_URL"}},
     "SSO_CITY_IDP_SSO_URL"),
])
def test_a_missing_or_malformed_setting_stops_the_site_naming_it(environ, named):
    with pytest.raises(ImproperlyConfigured, match=named):
        sign_in_providers(environ)
