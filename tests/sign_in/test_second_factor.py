"""The second factor: required for secretariat staff, optional for focal points;
a staff session without one reaches no staff page and not the admin; API
tokens are not sessions and are unaffected."""

import time

import pytest
from allauth.mfa.models import Authenticator
from django.test import Client
from playwright.sync_api import expect

from metroplan.second_factor import second_factor_seed, totp_code
from metroplan.testing import factories as f
from reporting.demo import DEMO_RECOVERY_SEED, DEMO_TOTP_SECRET

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
SETUP = "/accounts/2fa/totp/activate/"
CODE = "/accounts/2fa/authenticate/"


@pytest.fixture(autouse=True)
def _fresh_cache():
    """A code is accepted once (allauth remembers used codes in the cache for
    their 90 seconds): each test starts with none used."""
    from django.core.cache import cache

    cache.clear()


def password_login(client, username, password=f.PASSWORD):
    return client.post("/accounts/login/", {"username": username, "password": password})


def signed_in_as(client):
    return client.session.get("_auth_user_id")


@pytest.mark.django_db
def test_staff_without_an_authenticator_are_sent_to_set_one_up(client, cast):
    response = password_login(client, "staff")
    assert response.status_code == 302
    response = client.get("/updates/review/")
    assert response.status_code == 302 and response["Location"] == f"{SETUP}?next=%2Fupdates%2Freview%2F"
    page = client.get(SETUP)
    assert page.status_code == 200
    assert "Activate Authenticator App" in page.content.decode() and 'class="site-header"' in page.content.decode()


@pytest.mark.django_db(transaction=True)  # allauth notes the new app after the request's commit
def test_setting_up_the_authenticator_app_opens_the_staff_pages(client, cast):
    password_login(client, "staff")
    client.get(SETUP)  # the page makes the secret and shows it
    secret = client.session["mfa.totp.secret"]
    response = client.post(SETUP, {"code": totp_code(secret)})
    assert response.status_code == 302 and response["Location"] == "/accounts/2fa/recovery-codes/"
    assert client.get("/updates/review/").status_code == 200
    assert client.get("/admin/").status_code == 200


@pytest.mark.django_db
def test_staff_with_an_authenticator_enter_a_code_at_sign_in(client, cast):
    second_factor_seed(user=cast.staff, totp_secret=SECRET, recovery_seed="seed")
    response = password_login(client, "staff")
    assert response.status_code == 302 and response["Location"] == CODE
    assert signed_in_as(client) is None  # the password alone signs nobody in
    assert client.get("/updates/review/")["Location"].startswith("/accounts/login/")
    assert "Incorrect code" in client.post(CODE, {"code": "000000"}).content.decode()
    response = client.post(CODE, {"code": totp_code(SECRET)})
    assert response.status_code == 302 and signed_in_as(client) == str(cast.staff.pk)
    assert client.get("/updates/review/").status_code == 200


@pytest.mark.django_db
def test_a_recovery_code_works_once(client, cast):
    codes = second_factor_seed(user=cast.staff, totp_secret=SECRET, recovery_seed="seed")
    password_login(client, "staff")
    client.post(CODE, {"code": codes[0]})
    assert client.get("/updates/review/").status_code == 200
    other = Client()
    password_login(other, "staff")
    assert "Incorrect code" in other.post(CODE, {"code": codes[0]}).content.decode()
    assert signed_in_as(other) is None


@pytest.mark.django_db
def test_a_session_that_skipped_the_code_is_asked_for_it(client, cast):
    """A staff session signed in before the second factor was required (or by
    any path that did not ask for it) is asked for a code, then goes on."""
    second_factor_seed(user=cast.staff, totp_secret=SECRET, recovery_seed="seed")
    client.force_login_without_second_factor(cast.staff)
    response = client.get("/updates/review/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/reauthenticate/?next=%2Fupdates%2Freview%2F"
    response = client.post(response["Location"], {"code": totp_code(SECRET)})
    assert response.status_code == 302 and response["Location"] == "/updates/review/"
    assert client.get("/updates/review/").status_code == 200


@pytest.mark.django_db
def test_focal_points_may_sign_in_without_a_second_factor_or_add_one(client, cast):
    password_login(client, "focal-a")
    assert client.get("/updates/").status_code == 200
    client.get(SETUP)
    client.post(SETUP, {"code": totp_code(client.session["mfa.totp.secret"])})
    assert Authenticator.objects.filter(user=cast.focal_a, type="totp").exists()
    other = Client()
    assert password_login(other, "focal-a")["Location"] == CODE  # from now on, a code at each sign-in


@pytest.mark.django_db
def test_staff_cannot_remove_their_authenticator_app(client, cast):
    second_factor_seed(user=cast.staff, totp_secret=SECRET, recovery_seed="seed")
    password_login(client, "staff")
    client.post(CODE, {"code": totp_code(SECRET)})
    response = client.post("/accounts/2fa/totp/deactivate/")
    assert response.status_code == 200
    assert "You cannot deactivate two-factor authentication." in response.content.decode()
    assert Authenticator.objects.filter(user=cast.staff, type="totp").exists()


@pytest.mark.django_db
def test_the_api_refuses_a_staff_session_without_a_second_factor_but_not_a_token(client, cast):
    password_login(client, "staff")
    response = client.get("/api/v1/plans/")
    assert response.status_code == 403 and response.json()["code"] == "second_factor_required"
    assert Client().get("/api/v1/plans/", HTTP_AUTHORIZATION=f"Token {cast.write_key_staff}").status_code == 200
    # A token sent from the same browser counts as the token.
    assert client.get("/api/v1/plans/", HTTP_AUTHORIZATION=f"Token {cast.write_key_staff}").status_code == 200


@pytest.mark.django_db
def test_the_admin_has_no_sign_in_of_its_own(client, cast):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/?next=%2Fadmin%2F"
    password_login(client, "staff")
    assert client.get("/admin/")["Location"].startswith(SETUP)


@pytest.mark.django_db
def test_the_demo_secretariat_signs_in_with_the_published_secret(client):
    staff = f.StaffFactory(username="secretariat")
    codes = second_factor_seed(user=staff, totp_secret=DEMO_TOTP_SECRET, recovery_seed=DEMO_RECOVERY_SEED)
    assert codes[:3] == ["52360889", "37498961", "93718424"]  # as README's demo logins say
    password_login(client, "secretariat")
    client.post(CODE, {"code": totp_code(DEMO_TOTP_SECRET)})
    assert client.get("/updates/review/").status_code == 200


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_secretariat_officer_sets_up_an_authenticator_app_and_signs_in_with_it(browser, live_server, cast):
    """End to end with a real code: the app's secret read from the page, codes
    computed from it as an authenticator app does."""
    base = live_server.url
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.goto(f"{base}/updates/review/")
    page.fill("#id_username", "staff")
    page.fill("#id_password", f.PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Activate Authenticator App")).to_be_visible()
    page.screenshot(path="test-output/second-factor-setup.png", full_page=True)
    secret = page.locator("#authenticator_secret").input_value()
    page.fill("#id_code", totp_code(secret))
    with page.expect_navigation():
        page.get_by_role("button", name="Activate").click()
    expect(page.get_by_role("heading", name="Recovery Codes")).to_be_visible()
    page.goto(f"{base}/updates/review/")
    expect(page.get_by_role("heading", name="Review queue")).to_be_visible()

    with page.expect_navigation():
        page.get_by_role("button", name="Log out").click()
    page.goto(f"{base}/updates/review/")
    page.fill("#id_username", "staff")
    page.fill("#id_password", f.PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{base}{CODE}")
    page.screenshot(path="test-output/second-factor-code.png", full_page=True)
    # The code of the next 30 seconds (accepted: clocks drift); this one was used to set the app up.
    page.fill("#id_code", totp_code(secret, at=time.time() + 30))
    with page.expect_navigation():
        page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(f"{base}/updates/review/")
    expect(page.get_by_role("heading", name="Review queue")).to_be_visible()
