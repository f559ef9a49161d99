"""The plan pages in a real browser (Playwright + the machine's Chromium)."""

from pathlib import Path

import pytest

from actions.models import Action
from actions.tests.plan_helpers import small_plan
from metroplan.testing import factories as f
from metroplan.testing.second_factor import browser_passes_second_factor

OUTPUT = Path(__file__).resolve().parents[2] / "test-output"
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def signed_in_page(browser, live_server, username, *, width=1280):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", f.PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    browser_passes_second_factor(context, username)  # staff need one (a real one: tests/sign_in/test_second_factor.py)
    return page


@pytest.fixture
def plan_with_members():
    plan, *_ = small_plan()
    f.StaffFactory(username="ana")
    f.StaffFactory(username="ben")
    for region in ("Africa", "Europe", "Asia-Pacific"):
        r = f.RegionFactory(name=region, slug=region.lower())
        for n in range(4):
            f.MemberFactory(name=f"{region} City {n}", slug=f"{region.lower()}-{n}", region=r)
    return plan


def test_staff_creates_an_action_with_two_indicators_and_five_participants(browser, live_server, plan_with_members):
    OUTPUT.mkdir(exist_ok=True)
    page = signed_in_page(browser, live_server, "ana")
    page.goto(f"{live_server.url}/plan/")
    page.get_by_role("link", name="Add an action to goal 1").click()
    page.fill("#id_code", "1.4")
    page.fill("#id_title_en", "Metropolitan data commons")
    page.fill("#id_title_fr", "Communs de données métropolitains")
    page.fill("#id_title_es", "Datos metropolitanos comunes")
    page.select_option("#id_status", "on_track")
    # the participant filter narrows 12 members to one region
    page.fill("#id_participants-filter", "europe")
    assert page.locator("[data-picker-item]:visible").count() == 4
    for n in range(4):
        page.get_by_label(f"Europe City {n}").check()
    page.fill("#id_participants-filter", "Africa City 2")
    page.get_by_label("Africa City 2").check()
    assert page.locator("[data-picker-count]").inner_text() == "5"
    page.screenshot(path=str(OUTPUT / "plan-action-form-desktop.png"), full_page=True)
    page.get_by_role("button", name="Save action").click()
    page.wait_for_url("**/plan/actions/1.4/")

    page.get_by_role("link", name="Add an indicator").click()
    page.fill("#id_code", "1.4.a")
    page.fill("#id_name_en", "Open datasets")
    page.fill("#id_unit", "datasets")
    page.fill("#id_baseline", "0")
    page.fill("#id_target", "20")
    page.fill("#id_ms-0-year", "2022")
    page.fill("#id_ms-0-value", "8")
    page.get_by_role("button", name="Save and add another").click()
    page.wait_for_url("**/indicators/new/")
    page.fill("#id_code", "1.4.b")
    page.fill("#id_name_en", "Cities publishing data")
    page.fill("#id_unit", "members")
    page.fill("#id_baseline", "3")
    page.fill("#id_target", "3")  # equal to the baseline: refused, input kept
    page.get_by_role("button", name="Save indicator").click()
    assert page.get_by_text("The target equals the baseline").is_visible()
    assert page.input_value("#id_name_en") == "Cities publishing data"
    page.fill("#id_target", "12")
    page.get_by_role("button", name="Save indicator").click()
    page.wait_for_url("**/plan/actions/1.4/#indicators")
    page.screenshot(path=str(OUTPUT / "plan-action-page-desktop.png"), full_page=True)

    action = Action.objects.get(code="1.4")
    assert action.title_fr == "Communs de données métropolitains"
    assert sorted(action.indicators.values_list("code", flat=True)) == ["1.4.a", "1.4.b"]
    assert action.participants.count() == 5
    assert action.indicators.get(code="1.4.a").milestones.get().year == 2022

    # the same pages at phone width
    phone = signed_in_page(browser, live_server, "ana", width=390)
    for path, name in [("/plan/", "plan-outline"), ("/plan/actions/1.4/", "plan-action-page"),
                       ("/plan/actions/1.4/edit/", "plan-action-form"), ("/plan/actions/1.4/history/", "plan-history")]:
        phone.goto(live_server.url + path)
        width = phone.evaluate("document.documentElement.scrollWidth")
        phone.screenshot(path=str(OUTPUT / f"{name}-phone.png"), full_page=False)
        assert width <= 390, f"{path} scrolls sideways at phone width ({width}px)"


def test_second_staff_session_is_refused_on_save_with_its_text_kept(browser, live_server, plan_with_members):
    OUTPUT.mkdir(exist_ok=True)
    ana = signed_in_page(browser, live_server, "ana")
    ben = signed_in_page(browser, live_server, "ben")
    ana.goto(f"{live_server.url}/plan/actions/1.1/edit/")
    ben.goto(f"{live_server.url}/plan/actions/1.1/edit/")

    ana.fill("#id_title_en", "Ana's title")
    ana.select_option("#id_status", "at_risk")
    ana.get_by_role("button", name="Save action").click()
    ana.wait_for_url("**/plan/actions/1.1/")

    ben.fill("#id_description_en", "Ben spent ten minutes writing this.")
    ben.get_by_role("button", name="Save action").click()
    alert = ben.locator("#conflict")
    assert alert.is_visible()
    assert "ana" in alert.inner_text()
    assert "Ana's title" in alert.inner_text() and "At risk" in alert.inner_text()
    assert ben.input_value("#id_description_en") == "Ben spent ten minutes writing this."
    ben.screenshot(path=str(OUTPUT / "plan-conflict-desktop.png"), full_page=True)
    action = Action.objects.get(code="1.1")
    assert action.title_en == "Ana's title" and action.description_en in ("", None)

    # in place, on the outline: a stale status change is refused too
    ben.goto(f"{live_server.url}/plan/")
    ana.goto(f"{live_server.url}/plan/actions/1.1/edit/")
    ana.select_option("#id_status", "off_track")
    ana.get_by_role("button", name="Save action").click()
    ana.wait_for_url("**/plan/actions/1.1/")
    ben.select_option("#status-%d" % action.pk, "completed")
    ben.wait_for_selector("#action-1\\.1 .note.error")
    assert Action.objects.get(code="1.1").status == "off_track"
