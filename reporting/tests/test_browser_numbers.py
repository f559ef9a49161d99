"""A French focal point types a decimal comma in a real browser (Debian's
Chromium in fr-FR, driven by Playwright) and the value is stored as meant; an
indicator's chart on a French page writes its decimals with a comma (Chart.js
is given the page's locale, whatever the browser's)."""

from decimal import Decimal

import pytest
from django.conf import settings
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


# The indicator chart of the action page: Chart.js, the chart's tick labels and its tooltip.
READ_CHART = """() => {
  for (const canvas of document.querySelectorAll("canvas[data-chart]")) {
    const chart = Chart.getChart(canvas);
    if (!chart) { continue; }
    const index = chart.data.datasets.findIndex((ds) => ds.data.includes(1.5));
    if (index < 0) { continue; }
    const point = chart.data.datasets[index].data.indexOf(1.5);
    chart.tooltip.setActiveElements([{datasetIndex: index, index: point}], {x: 0, y: 0});
    chart.update();
    const scale = chart.scales[chart.options.indexAxis === "y" ? "x" : "y"];
    return {
      locale: chart.options.locale,
      browserLanguage: navigator.language,
      ticks: scale.ticks.map((tick) => tick.label),
      // Chart.js's own number formatting of a tick, which reads the locale the chart was given.
      ownTick: Chart.Ticks.formatters.numeric.call(scale, 1.5, 0, [{value: 1}, {value: 1.5}, {value: 2}]),
      tooltip: chart.tooltip.body.flatMap((body) => body.lines),
    };
  }
  return null;
}"""


def test_an_indicator_chart_in_french_writes_its_decimals_with_a_comma(browser, live_server, cast, world, decimals):
    """Chart.js is given the page's language ("fr"), not the browser's (here
    English): its ticks and tooltip write 1,5, and so does its own formatter."""
    world.ind_count.baseline, world.ind_count.target = Decimal("0"), Decimal("3")
    world.ind_count.save(update_fields=["baseline", "target"])
    update = f.ProgressUpdateFactory(member=cast.member_a, action=world.action, period=world.previous,
                                     state=ProgressUpdate.State.APPROVED)
    f.IndicatorValueFactory(update=update, indicator=world.ind_count, value=Decimal("1.5"))
    # The browser speaks English; French is chosen on the site (the language switcher's cookie).
    context = browser.new_context(locale="en-US")
    context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "fr", "url": live_server.url}])
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "focal-a")
    page.fill("#id_password", f.PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Se connecter").click()
    page.goto(f"{live_server.url}/actions/{world.action.code}/")
    page.wait_for_function("() => typeof Chart !== 'undefined' && document.querySelector('canvas[data-chart]')"
                           " && Chart.getChart(document.querySelector('canvas[data-chart]'))")
    chart = page.evaluate(READ_CHART)
    assert chart is not None, "no chart shows the value 1.5"
    assert chart["browserLanguage"] == "en-US"
    assert chart["locale"] == "fr"
    assert chart["ownTick"] == "1,5"
    assert "0,2" in chart["ticks"], chart["ticks"]
    assert not any("." in label for label in chart["ticks"]), chart["ticks"]
    assert any("1,5" in line for line in chart["tooltip"]), chart["tooltip"]
    context.close()
