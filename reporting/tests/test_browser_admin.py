"""The admin in a real browser, as a Secretariat member who is not a
superuser: a region can be edited, an update can only be read."""

import pytest
from playwright.sync_api import expect

from members.models import Region
from metroplan.testing import factories as f
from metroplan.testing.second_factor import browser_passes_second_factor

from .conftest import make_update

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_secretariat_member_edits_a_region_and_only_reads_an_update(browser, live_server, cast, world):
    region = f.RegionFactory(name="Africa", slug="africa")
    update = make_update(world, cast.member_a, state="submitted", narrative="As the member wrote it.")
    base = live_server.url
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    # The admin's own login page sends to the site's (lock-out, single sign-on, second factor).
    page.goto(f"{base}/admin/")
    expect(page).to_have_url(f"{base}/accounts/login/?next=%2Fadmin%2F")
    page.fill("#id_username", "staff")
    page.fill("#id_password", f.PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Log in").click()
    browser_passes_second_factor(page, "staff")  # a real one: tests/sign_in/test_second_factor.py

    page.goto(f"{base}/admin/members/region/{region.pk}/change/")
    page.fill("#id_name", "Africa and Indian Ocean")
    with page.expect_navigation():
        page.locator("input[name=_save]").click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    region.refresh_from_db()
    assert region.name == "Africa and Indian Ocean"

    page.goto(f"{base}/admin/reporting/progressupdate/{update.pk}/change/")
    expect(page.get_by_text("As the member wrote it.")).to_be_visible()
    assert page.locator("input[name=_save]").count() == 0
    assert page.locator("textarea, #id_narrative").count() == 0
    response = page.goto(f"{base}/admin/reporting/progressupdate/add/")
    assert response.status == 403
    assert Region.objects.filter(name="Africa and Indian Ocean").exists()
