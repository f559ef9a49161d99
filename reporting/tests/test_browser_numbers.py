"""A French focal point types a decimal comma in a real browser (Debian's
Chromium in fr-FR, driven by Playwright) and the value is stored as meant."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from metroplan.testing import factories as f
from reporting.models import ProgressUpdate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_decimal_comma_typed_in_french_is_stored_as_one_and_a_half(browser, live_server, cast, world, decimals):
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "focal-a")
    page.fill("#id_password", f.PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Se connecter").click()

    page.goto(f"{live_server.url}/updates/member-a/{world.period.code}/{world.action.code}/")
    value = page.locator(f"#id_ind_{world.ind_count.pk}_value")
    value.fill("1,5")
    expect(value).to_have_value("1,5")  # a text input: the browser neither refuses nor rewrites it
    with page.expect_navigation():
        page.get_by_role("button", name="Enregistrer le brouillon").click()

    stored = ProgressUpdate.objects.get().values.get(indicator=world.ind_count).value
    assert stored == Decimal("1.50")  # 1.1.a takes decimals here (the `decimals` fixture; a count would refuse)
    page.goto(f"{live_server.url}/updates/member-a/{world.period.code}/{world.action.code}/")
    expect(page.locator(f"#id_ind_{world.ind_count.pk}_value")).to_have_value("1,5")
    context.close()
