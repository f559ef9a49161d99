"""Authentication (Token and Bearer, expired, revoked, session), the error
shape, throttling with Retry-After, and the schema and offline docs."""

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone
from rest_framework.throttling import SimpleRateThrottle

from metroplan.testing import factories as f


@pytest.mark.parametrize("keyword", ["Token", "Bearer", "bearer"])
def test_token_and_bearer_keywords_authenticate(keyword, world, api, keys):
    assert api(keys["read"], keyword=keyword).get("/api/v1/actions/").status_code == 200


def test_anonymous_gets_401_in_the_error_shape_with_www_authenticate(world, api):
    response = api().get("/api/v1/actions/")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response["WWW-Authenticate"].startswith("Token")


@pytest.mark.parametrize("header", ["Token", "Token a b", "Bearer nope"])
def test_malformed_or_unknown_keys_are_401(header, world, api):
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get("/api/v1/actions/")
    assert response.status_code == 401
    assert set(response.json()) == {"code", "message", "field_errors"}


def test_expired_and_revoked_tokens_are_401(world, cast, api):
    _, expired = f.make_token(cast.integrator, expires_at=timezone.now() - timedelta(minutes=1))
    token, revoked = f.make_token(cast.integrator)
    token.revoked_at = timezone.now()
    token.save()
    assert api(expired).get("/api/v1/actions/").status_code == 401
    assert api(revoked).get("/api/v1/actions/").status_code == 401


def test_using_a_token_records_its_last_use(world, cast, api):
    token, key = f.make_token(cast.integrator)
    api(key).get("/api/v1/plans/")
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_session_auth_works_for_the_browser(world, cast, client):
    client.force_login(cast.focal_a)
    assert client.get("/api/v1/updates/").status_code == 200
    html = client.get("/api/v1/actions/", HTTP_ACCEPT="text/html")
    assert html.status_code == 200 and b"Issue papers" in html.content


def test_session_writes_need_the_csrf_token(world, cast):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(cast.focal_a)
    response = browser.patch(
        f"/api/v1/updates/{world.draft_a.pk}/", '{"narrative": "x", "version": 1}', content_type="application/json"
    )
    assert response.status_code == 403
    assert "CSRF" in response.json()["message"]


def test_not_found_is_json_in_the_error_shape(world, api, keys):
    response = api(keys["read"]).get("/api/v1/actions/9.9/")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "Not found.", "field_errors": {}}


def test_method_not_allowed_is_json(world, api, keys):
    # Members have no deleting service: DELETE is not offered.
    response = api(keys["staff"]).delete("/api/v1/members/member-a/")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


@pytest.fixture
def tight_throttle(monkeypatch):
    cache.clear()
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"token": "3/minute", "anonymous": "2/minute"})
    yield
    cache.clear()


def test_a_token_is_throttled_with_429_and_retry_after(world, api, keys, tight_throttle):
    client = api(keys["read"])
    statuses = [client.get("/api/v1/plans/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = client.get("/api/v1/plans/")
    assert response.json()["code"] == "throttled"
    assert 0 < int(response["Retry-After"]) <= 61
    # Another token has its own allowance.
    assert api(keys["staff"]).get("/api/v1/plans/").status_code == 200


def test_an_anonymous_client_is_throttled_too(world, api, tight_throttle):
    statuses = [api().get("/api/v1/plans/").status_code for _ in range(3)]
    assert statuses == [401, 401, 429]
    assert "Retry-After" in api().get("/api/v1/plans/")


# --- schema and docs -------------------------------------------------------------------


def test_schema_is_public_and_lists_every_resource_and_transition(db, client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    paths = schema["paths"]
    for name in ["plans", "goals", "actions", "indicators", "members", "regions", "periods", "updates", "reports"]:
        assert f"/api/v1/{name}/" in paths
    assert "/api/v1/actions/{code}/" in paths and "/api/v1/members/{slug}/" in paths
    for transition in ["submit", "approve", "return"]:
        assert f"/api/v1/updates/{{id}}/{transition}/" in paths
    actions_list = paths["/api/v1/actions/"]["get"]
    names = {parameter["name"] for parameter in actions_list["parameters"]}
    assert {"goal", "status", "member", "sdg", "lead", "ordering", "search", "page", "page_size", "plan",
            "format"} <= names
    page_size = next(p for p in actions_list["parameters"] if p["name"] == "page_size")
    assert page_size["schema"]["maximum"] == 500
    assert {"400", "401", "404", "429"} <= set(actions_list["responses"])
    patch = paths["/api/v1/updates/{id}/"]["patch"]
    assert {"403", "409", "412", "428"} <= set(patch["responses"])
    assert schema["components"]["schemas"]["ActionStatusEnum"]["enum"] == [
        "not_started", "on_track", "at_risk", "off_track", "completed", "cancelled"
    ]
    assert "tokenAuth" in schema["components"]["securitySchemes"]
    # Each operation has an id of its own (client generators name their methods after them).
    ids = [operation["operationId"] for item in paths.values() for operation in item.values()
           if isinstance(operation, dict) and "operationId" in operation]
    assert len(ids) == len(set(ids)) and not any(re.search(r"_\d+$", operation_id) for operation_id in ids)
    assert paths["/api/v1/figures/{name}/"]["get"]["operationId"] == "v1_figures_retrieve"


def test_docs_load_with_no_external_url(db, client):
    import re

    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    urls = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", html) + re.findall(r"https?://[^\s\"'<>]+", html)
    assert urls, "the docs page should load its assets"
    external = [url for url in urls if url.startswith(("http://", "https://", "//"))]
    assert external == []
    assert any("swagger-ui" in url for url in urls)
    for asset in [url for url in urls if url.startswith("/static/")]:
        from django.contrib.staticfiles import finders

        assert finders.find(asset.removeprefix("/static/")), asset


@pytest.mark.django_db
def test_an_unknown_path_with_control_characters_is_a_json_404(client):
    response = client.get("/api/v1/indicators/%0A%1C;Q/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
