"""API tokens: issued by command or by staff in the browser, shown once, stored
as a hash, expiring, revocable."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from rest_framework.test import APIClient

from members.models import ApiToken
from members.services import token_issue, token_revoke
from metroplan.services import PermissionDenied, ValidationError


def api_status(key, url="/api/v1/plans/"):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client.get(url).status_code


def test_issue_token_command_prints_the_key_once_and_stores_its_hash(cast):
    out, err = StringIO(), StringIO()
    call_command("issue_token", user="integrator", scope="read", name="Open data portal", days=30,
                 stdout=out, stderr=err)
    key = out.getvalue().strip()
    token = ApiToken.objects.get(name="Open data portal")
    assert token.key_hash == ApiToken.hash_key(key) and key not in (token.key_hash, token.prefix)
    assert token.prefix == key[:8] and token.scope == "read" and token.user == cast.integrator
    assert timedelta(days=29) < token.expires_at - timezone.now() <= timedelta(days=30)
    assert "shown once" in err.getvalue()
    assert api_status(key) == 200


def test_issue_token_command_refuses_bad_input(cast):
    with pytest.raises(CommandError, match="No user"):
        call_command("issue_token", user="ghost", scope="read", name="x", stdout=StringIO(), stderr=StringIO())
    with pytest.raises(CommandError):
        call_command("issue_token", user="integrator", scope="admin", name="x", stdout=StringIO(), stderr=StringIO())
    with pytest.raises(CommandError, match="days"):
        call_command("issue_token", user="integrator", scope="read", name="x", days=0, stdout=StringIO(),
                     stderr=StringIO())
    assert not ApiToken.objects.filter(name="x").exists()


def test_only_staff_issue_tokens_through_the_service(cast):
    with pytest.raises(PermissionDenied):
        token_issue(owner=cast.focal_a, name="mine", scope="write", issued_by=cast.focal_a)
    with pytest.raises(ValidationError):
        token_issue(owner=cast.focal_a, name="  ", scope="write", issued_by=cast.staff)
    token, key = token_issue(owner=cast.focal_a, name="City system", scope="write", issued_by=cast.staff)
    assert token.expires_at is None and api_status(key) == 200


def test_revoking_stops_the_key_at_once(cast):
    token, key = token_issue(owner=cast.integrator, name="portal", scope="read")
    assert api_status(key) == 200
    token_revoke(token=token, revoked_by=cast.staff)
    assert api_status(key) == 401
    with pytest.raises(PermissionDenied):
        token_revoke(token=token, revoked_by=cast.focal_a)


def test_staff_make_and_revoke_tokens_in_the_browser(cast, client):
    client.force_login(cast.staff)
    page = client.get("/tokens/")
    assert page.status_code == 200 and b"Issue a token" in page.content
    response = client.post("/tokens/", {"user": "integrator", "name": "Research team", "scope": "read", "days": 7})
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0") or "no-store" in response["Cache-Control"]
    key = response.context["key"]
    assert key.encode() in response.content
    token = ApiToken.objects.get(name="Research team")
    assert api_status(key) == 200
    # The list never shows the key again, only its prefix.
    listing = client.get("/tokens/")
    assert key.encode() not in listing.content and token.prefix.encode() in listing.content
    revoked = client.post(f"/tokens/{token.pk}/revoke/", follow=True)
    assert revoked.status_code == 200
    token.refresh_from_db()
    assert token.revoked_at is not None and api_status(key) == 401


def test_the_token_form_shows_errors(cast, client):
    client.force_login(cast.staff)
    response = client.post("/tokens/", {"user": "integrator", "name": "", "scope": "root", "days": 0})
    assert response.status_code == 200 and response.context["form"].errors.keys() >= {"name", "scope", "days"}
    assert not ApiToken.objects.filter(user=cast.integrator, name="").exists()


@pytest.mark.parametrize("who", ["focal_a", "integrator"])
def test_token_pages_are_for_staff_only(who, cast, client):
    client.force_login(getattr(cast, who))
    assert client.get("/tokens/").status_code == 403
    token = ApiToken.objects.filter(user=cast.integrator).first()
    assert client.post(f"/tokens/{token.pk}/revoke/").status_code == 403
    token.refresh_from_db()
    assert token.revoked_at is None


def test_token_pages_need_a_login(db, client):
    response = client.get("/tokens/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
