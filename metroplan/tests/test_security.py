"""Lock-out that locks the attacker, not the site; limits keyed on the real
client address; wrong API keys slowed down."""

import pytest
from django.core.cache import cache
from django.test import RequestFactory, override_settings

from metroplan.api.throttling import AnonymousRateThrottle
from metroplan.security import client_address
from metroplan.testing import factories as f

PROXY = "10.0.0.5"
ATTACKER = "203.0.113.66"
SOMEONE_ELSE = "198.51.100.7"


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def _request(remote, forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


@override_settings(TRUSTED_PROXIES=["10.0.0.0/24", "fd00::/8"])
def test_the_client_address_is_read_from_x_forwarded_for_only_from_a_trusted_proxy():
    assert client_address(_request(ATTACKER, "1.2.3.4")) == ATTACKER  # untrusted peer: the header is ignored
    assert client_address(_request(PROXY, ATTACKER)) == ATTACKER
    # The client may write its own X-Forwarded-For; the proxy appends the real address.
    assert client_address(_request(PROXY, f"1.2.3.4, {ATTACKER}")) == ATTACKER
    assert client_address(_request(PROXY, f"{ATTACKER}, 10.0.0.9")) == ATTACKER  # two proxies
    assert client_address(_request(PROXY, "not-an-address")) == PROXY
    assert client_address(_request(PROXY)) == PROXY
    assert client_address(_request("fd00::1", "2001:db8::7")) == "2001:db8::7"


def _login(client, username, password, address):
    return client.post(
        "/accounts/login/", {"username": username, "password": password},
        REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=address,
    )


@pytest.mark.django_db
@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=3, TRUSTED_PROXIES=[PROXY])
def test_wrong_passwords_behind_the_proxy_lock_the_attacker_not_the_users(client):
    f.UserFactory(username="alice")
    f.UserFactory(username="bob")
    assert [_login(client, "alice", "wrong", ATTACKER).status_code for _ in range(3)] == [200, 200, 429]
    locked = _login(client, "alice", f.PASSWORD, ATTACKER)
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "Too many failed attempts" in page and "Try again in 60 minutes." in page
    assert 'class="site-header"' in page and "/accounts/password_reset/" in page
    # Alice from her own connection, and Bob from anywhere, still log in.
    assert _login(client.__class__(), "alice", f.PASSWORD, SOMEONE_ELSE).status_code == 302
    assert _login(client.__class__(), "bob", f.PASSWORD, SOMEONE_ELSE).status_code == 302
    assert _login(client.__class__(), "bob", f.PASSWORD, ATTACKER).status_code == 302


@pytest.mark.django_db
@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=1, TRUSTED_PROXIES=[PROXY])
def test_the_lock_out_page_is_translated(client):
    f.UserFactory(username="alice")
    _login(client, "alice", "wrong", ATTACKER)
    page = client.post(
        "/accounts/login/", {"username": "alice", "password": "wrong"},
        REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=ATTACKER, HTTP_ACCEPT_LANGUAGE="fr",
    ).content.decode()
    assert "Trop de tentatives" in page


def _rates(**rates):
    from rest_framework.settings import api_settings

    return override_settings(REST_FRAMEWORK={**_rest_framework(), "DEFAULT_THROTTLE_RATES": {
        **api_settings.DEFAULT_THROTTLE_RATES, **rates}})


def _rest_framework():
    from django.conf import settings

    return settings.REST_FRAMEWORK


@pytest.mark.django_db
def test_wrong_api_keys_are_throttled_per_client_address(client, cast):
    with _rates(failed_token="3/hour"):
        for _ in range(3):
            response = client.get("/api/v1/plans/", HTTP_AUTHORIZATION="Token wrong", REMOTE_ADDR=ATTACKER)
            assert response.status_code == 401
        # The address has used up its failures: even a right key waits, with the one error shape.
        response = client.get("/api/v1/plans/", HTTP_AUTHORIZATION=f"Token {cast.read_key}", REMOTE_ADDR=ATTACKER)
        assert response.status_code == 429
        assert response.json()["code"] == "throttled" and int(response["Retry-After"]) > 0
        # A forged X-Forwarded-For from an untrusted peer changes nothing.
        response = client.get("/api/v1/plans/", HTTP_AUTHORIZATION="Token wrong", REMOTE_ADDR=ATTACKER,
                              HTTP_X_FORWARDED_FOR=SOMEONE_ELSE)
        assert response.status_code == 429
        # Another client is not affected.
        response = client.get("/api/v1/plans/", HTTP_AUTHORIZATION=f"Token {cast.read_key}",
                              REMOTE_ADDR=SOMEONE_ELSE)
        assert response.status_code == 200


@pytest.mark.django_db
def test_the_anonymous_limit_ignores_a_client_sent_x_forwarded_for(client, monkeypatch):
    monkeypatch.setattr(AnonymousRateThrottle, "THROTTLE_RATES", {"anonymous": "2/hour"})
    statuses = [
        client.get("/api/docs/", REMOTE_ADDR=ATTACKER, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}").status_code
        for n in range(3)
    ]
    assert statuses == [200, 200, 429]
    assert client.get("/api/docs/", REMOTE_ADDR=SOMEONE_ELSE).status_code == 200


@pytest.mark.django_db
@override_settings(TRUSTED_PROXIES=[PROXY])
def test_the_anonymous_limit_behind_the_proxy_counts_each_client(client, monkeypatch):
    monkeypatch.setattr(AnonymousRateThrottle, "THROTTLE_RATES", {"anonymous": "2/hour"})
    for _ in range(2):
        assert client.get("/api/docs/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=ATTACKER).status_code == 200
    assert client.get("/api/docs/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=ATTACKER).status_code == 429
    assert client.get("/api/docs/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=SOMEONE_ELSE).status_code == 200
