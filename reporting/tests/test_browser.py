"""The workflow in a real browser (Debian's Chromium, driven by Playwright):
a focal point fills and submits an update, staff return it with a comment, the
focal point sees the comment, edits and resubmits, staff approve. Screenshots
of each page at desktop and phone width go to test-output/."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from metroplan.testing import factories as f
from metroplan.testing.second_factor import browser_passes_second_factor
from reporting.models import ProgressUpdate

from .conftest import make_update

OUT = Path(__file__).resolve().parents[2] / "test-output"
SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _login(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", f.PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Log in").click()
    browser_passes_second_factor(page, username)  # staff need one (a real one: tests/sign_in/test_second_factor.py)


def _logout(page):
    with page.expect_navigation():
        page.get_by_role("button", name="Log out").click()


def test_submit_return_resubmit_approve(browser, live_server, cast, world):
    OUT.mkdir(exist_ok=True)
    base = live_server.url
    context = browser.new_context(viewport=SIZES["desktop"])
    page = context.new_page()

    # A focal point fills and submits an update.
    _login(page, base, "focal-a")
    page.goto(f"{base}/updates/")
    page.get_by_role("link", name="Start 1.1 2022-Q2").click()
    expect(page.get_by_role("heading", name="1.1 Train city staff")).to_be_visible()
    page.get_by_label("Narrative").fill("We trained staff in 12 cities.")
    page.get_by_label("Status of the action, as you see it").select_option("on_track")
    page.fill(f"#id_ind_{world.ind_count.pk}_value", "12")
    page.check(f"#id_ind_{world.ind_budget.pk}_na")
    page.fill(f"#id_ind_{world.ind_budget.pk}_reason", "Accounts close in July")
    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_text("Update submitted.")).to_be_visible()
    assert ProgressUpdate.objects.get().state == "submitted"
    _logout(page)

    # Staff return it with a comment.
    _login(page, base, "staff")
    page.goto(f"{base}/updates/review/")
    page.get_by_role("link", name="1.1 Train city staff").click()
    expect(page.get_by_role("heading", name="Review")).to_be_visible()
    page.get_by_label("What should change").fill("Please give the budget figure once published.")
    page.get_by_role("button", name="Return with comment").click()
    expect(page.get_by_text("Returned to Member A with your comment.")).to_be_visible()
    assert ProgressUpdate.objects.get().state == "returned"
    _logout(page)

    # The focal point sees the comment, edits and resubmits.
    _login(page, base, "focal-a")
    page.goto(f"{base}/updates/")
    page.get_by_role("link", name="Fix and resubmit 1.1 2022-Q2").click()  # a returned update
    expect(page.get_by_text("Please give the budget figure once published.")).to_be_visible()
    page.get_by_label("Narrative").fill("We trained staff in 12 cities; budget figure below.")
    page.uncheck(f"#id_ind_{world.ind_budget.pk}_na")
    page.fill(f"#id_ind_{world.ind_budget.pk}_value", "18250")
    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_text("Update submitted.")).to_be_visible()
    update = ProgressUpdate.objects.get()
    assert update.state == "submitted" and update.values.get(indicator=world.ind_budget).value == 18250
    _logout(page)

    # Staff approve.
    _login(page, base, "staff")
    page.goto(f"{base}/updates/{update.pk}/")
    page.get_by_role("button", name="Approve", exact=True).click()
    expect(page.get_by_text("Approved: Member A")).to_be_visible()
    assert ProgressUpdate.objects.get().state == "approved"
    context.close()


def test_screenshots_of_each_page_at_desktop_and_phone_width(browser, live_server, cast, world):
    OUT.mkdir(exist_ok=True)
    make_update(world, cast.member_a, state="approved", period=world.previous, narrative="Last quarter.",
                is_demo=True)
    returned = make_update(world, cast.member_a, state="returned", reviewed_by=cast.staff,
                           reviewer_comment="Please give the budget figure.")
    submitted = make_update(world, cast.member_b, state="submitted")
    base = live_server.url
    pages = {
        "focal-a": [("updates-home", "/updates/"),
                    ("update-form", "/updates/member-a/2022-Q2/1.1/"),
                    ("update-form-locked", "/updates/member-a/2021-Q4/1.1/"),
                    ("update-history", f"/updates/{returned.pk}/history/"),
                    ("spreadsheet-upload", "/updates/spreadsheet/upload/")],
        "staff": [("review-queue", "/updates/review/"), ("update-review", f"/updates/{submitted.pk}/"),
                  ("focal-point-add", "/focal-points/add/")],
    }
    for size, viewport in SIZES.items():
        context = browser.new_context(viewport=viewport)
        page = context.new_page()
        for username, targets in pages.items():
            _login(page, base, username)
            for name, path in targets:
                response = page.goto(base + path)
                assert response.status == 200, path
                page.screenshot(path=str(OUT / f"updates-{name}-{size}.png"), full_page=True)
                # Nothing wider than the screen on a phone.
                overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1")
                assert not overflow, f"{path} scrolls sideways at {size} width"
            _logout(page)
        context.close()


def test_remove_evidence_is_a_small_secondary_button_and_submit_the_main_one(browser, live_server, cast, world):
    from reporting.models import Evidence

    update = make_update(world, cast.member_a, state="draft")
    Evidence.objects.create(update=update, url="https://example.org/minutes", title="Minutes")
    context = browser.new_context(viewport=SIZES["phone"])
    page = context.new_page()
    _login(page, live_server.url, "focal-a")
    page.goto(f"{live_server.url}/updates/member-a/{world.period.code}/{world.action.code}/")

    def looks(button):
        return button.evaluate(
            "b => { const s = getComputedStyle(b); return [s.backgroundColor, s.color, parseFloat(s.fontSize)]; }"
        )

    remove = page.get_by_role("button", name="Remove Minutes")
    submit = page.get_by_role("button", name="Submit for review")
    remove_bg, remove_ink, remove_size = looks(remove)
    submit_bg, _, submit_size = looks(submit)
    assert remove_bg == "rgb(255, 255, 255)" and remove_ink == "rgb(179, 38, 30)"  # outlined red
    assert submit_bg == "rgb(11, 92, 173)"  # the brand colour: the page's main action
    assert remove_size < submit_size
    context.close()
