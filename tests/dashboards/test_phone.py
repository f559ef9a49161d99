"""At phone width (390 px) the pages keep their key column in view: the members
list its compliance, the heatmap its latest quarters (and it scrolls back)."""

from datetime import date, timedelta

import pytest

from metroplan.testing import factories as f

from .test_browser import log_in

PHONE = {"width": 390, "height": 844}

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def in_view(locator) -> bool:
    box = locator.bounding_box()
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]


def test_members_list_keeps_the_compliance_column_in_view_on_a_phone(live_server, browser, small):
    page = browser.new_context(viewport=PHONE).new_page()
    log_in(page, live_server.url, "staff")
    page.goto(f"{live_server.url}/members/?period=2022-Q1&sort=-compliance")
    assert in_view(page.get_by_role("columnheader", name="Compliance"))
    alpha = page.get_by_role("row").filter(has=page.get_by_role("link", name="Alpha City"))
    assert in_view(alpha.get_by_role("cell").last) and "100%" in alpha.get_by_role("cell").last.inner_text()
    assert in_view(alpha.get_by_role("link", name="Alpha City"))


def test_heatmap_opens_on_the_latest_quarters_and_scrolls_back_on_a_phone(live_server, browser, small):
    for year, quarter in [(2021, 1), (2021, 2), (2021, 3), (2021, 4), (2022, 3), (2022, 4),
                          (2023, 1), (2023, 2), (2023, 3), (2023, 4)]:
        start = date(year, 3 * quarter - 2, 1)
        next_start = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
        f.ReportingPeriodFactory(plan=small.plan, code=f"{year}-Q{quarter}", start=start,
                                 end=next_start - timedelta(days=1), deadline=next_start + timedelta(days=29),
                                 is_open=False)
    page = browser.new_context(viewport=PHONE).new_page()
    log_in(page, live_server.url, "staff")
    page.goto(f"{live_server.url}/compliance/")
    latest = page.get_by_role("columnheader", name="2023-Q4")
    oldest = page.get_by_role("columnheader", name="2022-Q1")  # the window's oldest: two years of quarters
    assert page.get_by_role("columnheader", name="2021-Q4").count() == 0  # earlier ones a link away
    assert in_view(latest)
    assert in_view(page.get_by_role("rowheader", name="Alpha City"))  # the member column stays
    oldest.scroll_into_view_if_needed()
    assert in_view(oldest)
    page.get_by_role("link", name="Earlier periods").click()
    page.wait_for_load_state("networkidle")
    assert in_view(page.get_by_role("columnheader", name="2021-Q4"))
