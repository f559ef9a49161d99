"""Single sign-on end to end, in the browser, through a real OpenID Connect
provider on loopback (tests/sign_in/conftest.py): a new user from a mapped
domain waits for staff's approval and then signs in as the member's focal
point; an unmapped domain is refused, saying why; an existing user with the
same address is linked only after staff approve it."""

from pathlib import Path

import pytest
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from members.models import FocalPoint, SignInDomain, SignInProvider, SignInRequest
from metroplan.testing import factories as f
from metroplan.testing.second_factor import browser_passes_second_factor

from .conftest import PROVIDER_ID

OUT = Path(__file__).resolve().parents[2] / "test-output"
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def barcelona(db):
    member = f.MemberFactory(slug="barcelona", name="Barcelona")
    SignInDomain.objects.create(provider=PROVIDER_ID, domain="bcn.cat", member=member)
    return member


def sign_in_through_provider(page, base, provider, username, *, provider_session=False, button="Continue with"):
    """From the site's login page, through the provider's, back to the site."""
    page.goto(f"{base}/accounts/login/")
    with page.expect_navigation():
        page.get_by_role("button", name=f"{button} {provider.name}").click()
    if not provider_session:
        expect(page.get_by_role("heading", name="Test identity provider")).to_be_visible()
        page.fill("#id_username", username)
        page.fill("#id_password", provider.password)
        with page.expect_navigation(url=lambda url: url.startswith(base)):
            page.get_by_role("button", name="Sign in to the provider").click()
    page.wait_for_load_state()


def staff_approve(browser, base, staff, email, proposal):
    """Staff find the request on their page, as proposed, and approve it."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", staff.username)
    page.fill("#id_password", f.PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Log in").click()
    browser_passes_second_factor(context, staff)
    page.goto(f"{base}/single-sign-on/")
    row = page.get_by_role("row").filter(has_text=email)
    expect(row).to_contain_text(proposal)
    page.screenshot(path=str(OUT / "sign-in-staff-page.png"), full_page=True)
    with page.expect_navigation():
        row.get_by_role("button", name="Approve").click()
    return page


def test_a_new_user_from_a_mapped_domain_waits_for_approval_then_reports_for_the_member(
    browser, live_server, oidc_provider, barcelona, cast,
):
    SignInProvider.objects.create(provider=PROVIDER_ID, new_users_allowed=True)
    base = live_server.url
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="fr-FR")
    page = context.new_page()

    # The login page, in her browser's language, says what the site is and offers the provider.
    page.goto(f"{base}/accounts/login/")
    expect(page.get_by_role("heading", name="Le Plan d'action stratégique de Metropolis")).to_be_visible()
    OUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUT / "login-desktop-fr.png"), full_page=True)
    phone = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    phone.goto(f"{base}/accounts/login/")
    expect(phone.get_by_role("button", name=f"Continue with {oidc_provider.name}")).to_be_in_viewport()
    phone.screenshot(path=str(OUT / "login-phone.png"), full_page=True)

    sign_in_through_provider(page, base, oidc_provider, "ana", button="Continuer avec")
    expect(page).to_have_url(f"{base}/accounts/sso/waiting/")
    expect(page.get_by_role("heading", name="En attente d'approbation")).to_be_visible()
    expect(page.get_by_text("Vous avez demandé à rendre compte pour Barcelona en tant que point focal.")) \
        .to_be_visible()
    page.screenshot(path=str(OUT / "sign-in-waiting.png"), full_page=True)
    request = SignInRequest.objects.get(email="ana.garcia@bcn.cat")
    assert request.state == "pending" and request.member == barcelona and request.kind == "new_user"
    assert not get_user_model().objects.filter(email="ana.garcia@bcn.cat").exists()
    # Nothing else opens: the site still asks her to log in.
    page.goto(f"{base}/")
    expect(page).to_have_url(f"{base}/accounts/login/?next=/")

    # Staff approve the request on their page.
    staff = staff_approve(browser, base, cast.staff, "ana.garcia@bcn.cat", "New user: focal point of Barcelona")
    expect(staff.get_by_text("ana.garcia@bcn.cat can now sign in as ana.garcia@bcn.cat.")).to_be_visible()

    # She signs in again (the provider remembers her) and reports for Barcelona.
    sign_in_through_provider(page, base, oidc_provider, "ana", provider_session=True, button="Continuer avec")
    expect(page).to_have_url(f"{base}/")
    expect(page.locator(".account .who")).to_have_text("ana.garcia@bcn.cat · Barcelona")
    user = get_user_model().objects.get(email="ana.garcia@bcn.cat")
    assert FocalPoint.objects.get(user=user).member == barcelona
    assert not user.has_usable_password()
    assert user.profile.language == "fr"  # her browser's language, stored at her first sign-in


def test_an_unmapped_domain_is_refused_clearly(browser, live_server, oidc_provider, barcelona):
    SignInProvider.objects.create(provider=PROVIDER_ID, new_users_allowed=True)
    base = live_server.url
    page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    sign_in_through_provider(page, base, oidc_provider, "mallory")
    expect(page.get_by_role("heading", name="You cannot sign in this way")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text(
        "Addresses at @unmapped.example are not set up to sign in through Workplace ID."
    )
    OUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUT / "sign-in-refused-phone.png"), full_page=True)
    assert not SignInRequest.objects.exists()
    assert not get_user_model().objects.filter(email="mallory@unmapped.example").exists()
    page.goto(f"{base}/")
    expect(page).to_have_url(f"{base}/accounts/login/?next=/")


def test_an_existing_user_is_linked_only_after_staff_approval(browser, live_server, oidc_provider, barcelona, cast):
    # New users are not allowed: linking an existing user does not need it.
    jordi = f.FocalPointFactory(
        user=f.UserFactory(username="jordi", email="Jordi.Puig@bcn.cat"), member=barcelona
    ).user
    base = live_server.url
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()

    sign_in_through_provider(page, base, oidc_provider, "jordi")
    expect(page.get_by_role("heading", name="Waiting for approval")).to_be_visible()
    expect(page.get_by_text("A metroplan account already has this address.")).to_be_visible()
    assert not SocialAccount.objects.exists()
    page.goto(f"{base}/")
    expect(page).to_have_url(f"{base}/accounts/login/?next=/")

    staff_approve(browser, base, cast.staff, "jordi.puig@bcn.cat", "Link to the existing user jordi")

    sign_in_through_provider(page, base, oidc_provider, "jordi", provider_session=True)
    expect(page).to_have_url(f"{base}/")
    expect(page.locator(".account .who")).to_have_text("jordi · Barcelona")
    assert SocialAccount.objects.get().user == jordi
    assert get_user_model().objects.filter(email__iexact="jordi.puig@bcn.cat").count() == 1
    jordi.refresh_from_db()
    assert jordi.has_usable_password()  # his password keeps working too
