"""Headers that protect the pages: a Content Security Policy with no inline
script, private pages kept out of caches, short staff sessions, and a health
check that tells the public only ok or not ok."""

import re
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings

from metroplan.testing import factories as f

ROOT = Path(settings.BASE_DIR)
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)


def _templates():
    for folder in [ROOT / "templates", *ROOT.glob("*/templates")]:
        yield from folder.rglob("*.html")


def test_no_template_has_an_inline_script_or_handler():
    offenders = []
    for path in _templates():
        text = path.read_text()
        offenders += [f"{path.relative_to(ROOT)}: {m.group(0)[:60]}" for m in INLINE_SCRIPT.finditer(text)]
        offenders += [f"{path.relative_to(ROOT)}: {m.group(0)[:60]}" for m in HANDLER.finditer(text)]
    assert offenders == []


def _policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


@pytest.mark.django_db
def test_pages_and_the_api_docs_carry_a_policy_without_inline_scripts(client):
    for url in ("/accounts/login/", "/api/docs/"):
        response = client.get(url)
        assert response.status_code == 200
        policy = _policy(response)
        assert policy["script-src"] == ["'self'"] and policy["style-src"] == ["'self'"], url
        assert policy["frame-ancestors"] == ["'none'"] and policy["object-src"] == ["'none'"]
        assert not INLINE_SCRIPT.search(response.content.decode()), url
    # The docs' init script is a file of its own, from the site.
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200 and "javascript" in script["Content-Type"]
    assert "SwaggerUIBundle" in script.content.decode()


@pytest.mark.django_db
def test_signed_in_pages_and_api_answers_are_not_cached(client, cast):
    assert "no-store" not in client.get("/api/docs/").get("Cache-Control", "")
    client.force_login(cast.focal_a)
    response = client.get("/updates/")
    assert response.status_code == 200
    assert {"private", "no-store"} <= {part.strip() for part in response["Cache-Control"].split(",")}
    response = client.get("/api/v1/plans/", HTTP_AUTHORIZATION=f"Token {cast.read_key}")
    assert {"private", "no-store"} <= {part.strip() for part in response["Cache-Control"].split(",")}


@pytest.mark.django_db
def test_staff_sessions_last_eight_hours_and_others_three_days(client):
    f.StaffFactory(username="boss")
    f.UserFactory(username="someone")
    assert client.post("/accounts/login/", {"username": "boss", "password": f.PASSWORD}).status_code == 302
    assert client.session.get_expiry_age() == 8 * 3600
    other = client.__class__()
    assert other.post("/accounts/login/", {"username": "someone", "password": f.PASSWORD}).status_code == 302
    assert other.session.get_expiry_age() == 3 * 24 * 3600


@pytest.mark.django_db
def test_healthz_tells_the_public_only_ok(client, cast):
    body = client.get("/healthz").json()
    assert body == {"status": "ok"}
    client.force_login(cast.staff)
    assert client.get("/healthz").json()["checks"]["database"] == "ok"
    token = client.__class__().get("/healthz", HTTP_AUTHORIZATION=f"Token {cast.read_key}")
    assert token.json() == {"status": "ok"}  # a token of a user who is not staff sees no details
    staff_token = client.__class__().get("/healthz", HTTP_AUTHORIZATION=f"Token {cast.write_key_staff}")
    assert "checks" in staff_token.json()


@pytest.mark.django_db
@override_settings(CACHES={"default": {
    "BACKEND": "django.core.cache.backends.redis.RedisCache",
    "LOCATION": "redis://10.255.255.1:6379/0",  # not routed: a connection hangs
}})
def test_healthz_answers_within_a_second_when_a_dependency_hangs(client):
    start = time.monotonic()
    response = client.get("/healthz")
    elapsed = time.monotonic() - start
    assert response.status_code == 503 and response.json() == {"status": "error"}
    assert elapsed < 1.2, elapsed
