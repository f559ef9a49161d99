"""Under the Content Security Policy, in a real browser (Chromium): the API docs
still draw, the language switch still works, and nothing is refused."""

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _watch_csp(page) -> list[str]:
    refused = []
    page.on("console", lambda message: refused.append(message.text)
            if "Content Security Policy" in message.text else None)
    return refused


def test_the_api_docs_and_the_language_switch_work_under_the_policy(browser, live_server):
    page = browser.new_context().new_page()
    refused = _watch_csp(page)
    page.goto(f"{live_server.url}/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("metroplan API")
    page.goto(f"{live_server.url}/accounts/login/")
    with page.expect_navigation():
        page.select_option("#language", "fr")
    expect(page.get_by_role("heading", name="Se connecter")).to_be_visible()
    assert refused == []
