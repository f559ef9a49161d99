"""The homes and the pages people report and review on, in Chromium, on a
laptop (1366 px) and a phone (390 px): signing in lands on one's home, its
first things are in view, its chart draws, nothing scrolls sideways, axe
finds no serious violation; at phone width the due list, the update form and
the review queue keep their key column (what, and the button to act) in view.
Screenshots go to test-output/homes/."""

from datetime import timedelta

import pytest
from django.utils import timezone

from actions.models import Action
from metroplan.testing import factories as f
from metroplan.testing.factories import PASSWORD
from metroplan.testing.second_factor import browser_passes_second_factor

from .conftest import add_update
from .test_browser import axe_violations, watch

OUTPUT = __import__("pathlib").Path(__file__).resolve().parents[2] / "test-output" / "homes"
VIEWPORTS = {"laptop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def quarter(small, cast):
    """Two open periods around today: one whose deadline passed ten days ago
    (member A's update came back with a comment; Beta City's waits for
    review), and one due in twenty days."""
    today = timezone.localdate()
    small.actions["1.1"].lead = cast.staff
    small.actions["1.1"].save()
    # The plan and its actions run until next year, so that the periods around today expect updates.
    small.plan.end_date = today + timedelta(days=365)
    small.plan.save()
    Action.objects.filter(goal__plan=small.plan).update(end_date=today + timedelta(days=365))
    late = f.ReportingPeriodFactory(plan=small.plan, code="2022-Q3", start=today - timedelta(days=130),
                                   end=today - timedelta(days=40), deadline=today - timedelta(days=10), is_open=True)
    due = f.ReportingPeriodFactory(plan=small.plan, code="2022-Q4", start=today - timedelta(days=39),
                                  end=today + timedelta(days=1), deadline=today + timedelta(days=20), is_open=True)
    returned = add_update(cast.member_a, small.actions["1.1"], late, state="returned", on=late.deadline,
                          values={small.indicators["1.1.a"]: 80})
    returned.reviewer_comment = "Please give the source of the 80 cities."
    returned.reviewed_by = cast.staff
    returned.save()
    add_update(small.members["m2"], small.actions["1.1"], late, state="submitted", on=late.deadline)
    return {"late": late, "due": due}


def sign_in(page, base: str, username: str) -> None:
    """Through the login page, as a person does: it lands on their home."""
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit], main input[type=submit]")
    page.wait_for_load_state("networkidle")
    if "/accounts/2fa/" in page.url:  # staff need a second factor (a real one: tests/sign_in/test_second_factor.py)
        browser_passes_second_factor(page, username)
        page.goto(f"{base}/")
        page.wait_for_load_state("networkidle")


def in_view(page, locator) -> bool:
    """Wholly inside the viewport's width (a phone shows no column off to the side)."""
    box = locator.bounding_box()
    width = page.viewport_size["width"]
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5


def no_sideways_scroll(page) -> int:
    return page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")


def check(page, name: str, viewport: str, problems: list[str]) -> None:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUTPUT / f"{name}-{viewport}.png"), full_page=True)
    assert no_sideways_scroll(page) <= 1, f"{name} scrolls sideways at {viewport}"
    assert not axe_violations(page), name
    assert not problems, problems


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_a_focal_point_signs_in_to_their_city(live_server, browser, quarter, viewport):
    context = browser.new_context(viewport=VIEWPORTS[viewport])
    page = context.new_page()
    problems: list[str] = []
    watch(page, problems)
    sign_in(page, live_server.url, "focal-a")
    assert page.url == f"{live_server.url}/"
    assert page.get_by_role("heading", level=1).inner_text() == "Member A"
    todo = page.get_by_role("region", name="What needs you")
    first = todo.locator("tbody tr").first  # the returned update of the overdue period first
    assert "1.1" in first.inner_text() and "2022-Q3" in first.inner_text()
    fix = first.get_by_role("link", name="Fix and resubmit")
    assert in_view(page, fix) and in_view(page, first.get_by_role("cell").first)
    assert "Please give the source of the 80 cities." in page.get_by_role(
        "region", name="The secretariat's comments waiting for you").inner_text()
    drawn = page.evaluate("() => Chart.getChart(document.querySelector('canvas[data-chart=city-compliance]')) "
                          "!== undefined")
    assert drawn
    assert page.get_by_role("link", name="Network overview").is_visible()
    check(page, "city", viewport, problems)
    fix.click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/updates/member-a/2022-Q3/1.1/")
    context.close()


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_a_secretariat_member_signs_in_to_their_desk(live_server, browser, quarter, viewport):
    context = browser.new_context(viewport=VIEWPORTS[viewport])
    page = context.new_page()
    problems: list[str] = []
    watch(page, problems)
    sign_in(page, live_server.url, "staff")
    assert page.url == f"{live_server.url}/"
    assert page.get_by_role("heading", level=1).inner_text() == "Your desk"
    queue = page.get_by_role("region", name="Review queue")
    assert "1 update waits for review." in queue.inner_text()
    assert in_view(page, queue.get_by_role("link", name="Open the review queue"))
    overdue = page.get_by_role("region", name="Members overdue")
    alpha = overdue.get_by_role("link", name="Alpha City")
    assert in_view(page, alpha)
    led = page.get_by_role("region", name="Actions you lead")
    assert in_view(page, led.get_by_role("link", name="1.1", exact=False).first)
    check(page, "desk", viewport, problems)
    page.get_by_role("link", name="Network overview").first.click()
    page.wait_for_load_state("networkidle")
    assert page.url == f"{live_server.url}/overview/"
    context.close()


PHONE = VIEWPORTS["phone"]


def test_at_phone_width_the_due_list_the_update_form_and_the_queue_keep_what_matters_in_view(
    live_server, browser, quarter
):
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    problems: list[str] = []
    watch(page, problems)
    sign_in(page, live_server.url, "focal-a")

    page.goto(f"{live_server.url}/updates/")
    row = page.get_by_role("region", name="Due now").locator("tbody tr").first
    assert in_view(page, row.get_by_role("cell").first)  # the action
    assert in_view(page, row.get_by_role("link").first)  # the button to act on it
    check(page, "due-list", "phone", problems)

    page.goto(f"{live_server.url}/updates/member-a/2022-Q4/1.1/")
    assert in_view(page, page.get_by_label("Narrative"))
    assert in_view(page, page.get_by_role("button", name="Submit for review"))
    check(page, "update-form", "phone", problems)

    context.close()
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    watch(page, problems)
    sign_in(page, live_server.url, "staff")
    page.goto(f"{live_server.url}/updates/review/")
    row = page.locator("#bulk-form tbody tr").first
    assert in_view(page, row.get_by_role("link").first)  # the update to open
    assert "Beta City" in row.inner_text()
    assert in_view(page, page.get_by_role("button", name="Approve selected"))
    check(page, "review-queue", "phone", problems)
    context.close()
