"""The dashboards in Chromium: every page loads without console errors, its
charts and map render, it passes an axe-core scan with no serious or critical
violation, and screenshots (desktop and phone width) go to test-output/."""

from pathlib import Path

import pytest

from metroplan.testing.factories import PASSWORD
from metroplan.testing.second_factor import browser_passes_second_factor

OUTPUT = Path(__file__).resolve().parents[2] / "test-output" / "dashboards"
AXE = Path(__file__).resolve().parents[1] / "vendor" / "axe-core" / "axe.min.js"
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
PAGES = [
    ("overview", "/overview/", 3, True),
    ("overview-q1", "/overview/?period=2022-Q1", 3, True),
    ("goal", "/goals/1/", 1, False),
    ("action", "/actions/2.2/", 1, False),
    ("members", "/members/?sort=-compliance", 0, False),
    ("member", "/members/m1/", 1, False),
    ("compliance", "/compliance/", 0, False),
    ("compliance-filtered", "/compliance/?goal=1&action=1.1", 0, False),
]

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def watch(page, problems: list[str]) -> None:
    """Collect console errors, script errors and failed requests (the browser's
    own favicon request aside: the site has no favicon)."""

    def on_console(msg):
        if msg.type == "error" and not msg.text.startswith("Failed to load resource"):
            problems.append(f"console error: {msg.text}")

    def on_response(response):
        if response.status >= 400 and not response.url.endswith("/favicon.ico"):
            problems.append(f"HTTP {response.status}: {response.url}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("response", on_response)


def log_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit], main input[type=submit]")
    page.wait_for_load_state("networkidle")
    browser_passes_second_factor(page, username)  # staff need one (a real one: tests/sign_in/test_second_factor.py)


def axe_violations(page) -> list[dict]:
    # Evaluated, not added as a <script>: the page's Content Security Policy refuses inline scripts.
    page.evaluate(AXE.read_text())
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_dashboard_pages_render_charts_and_map_and_pass_axe(live_server, browser, small, viewport):
    OUTPUT.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport=VIEWPORTS[viewport])
    page = context.new_page()
    problems: list[str] = []
    watch(page, problems)
    log_in(page, live_server.url, "staff")
    for name, path, charts, has_map in PAGES:
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        page.wait_for_load_state("networkidle")
        drawn = page.evaluate(
            "() => Array.from(document.querySelectorAll('canvas[data-chart]'))"
            ".filter(c => window.Chart && Chart.getChart(c) && c.width > 0).length"
        )
        assert drawn >= charts, f"{path}: {drawn} charts drawn"
        if has_map:
            page.wait_for_selector("#member-map svg circle")
            circles = page.locator("#member-map svg circle").count()
            members = page.evaluate("() => JSON.parse(document.getElementById('map-members').textContent).length")
            assert circles == members > 0
            assert page.locator("#member-map svg .land path").count() > 100  # the countries
        page.screenshot(path=str(OUTPUT / f"{name}-{viewport}.png"), full_page=True)
        # no horizontal scrolling of the page itself at phone width (wide tables scroll in their box)
        overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 1, f"{path} scrolls sideways by {overflow}px at {viewport}"
        violations = axe_violations(page)
        assert not violations, f"{path}: {violations}"
    assert not problems, problems
    context.close()


def test_public_overview_renders_for_anonymous_visitors(live_server, browser, small, settings):
    settings.PUBLIC_DASHBOARD = True
    page = browser.new_page()
    problems: list[str] = []
    watch(page, problems)
    page.goto(live_server.url + "/")
    page.wait_for_selector("#member-map svg circle")
    assert page.locator("#member-map svg a").count() == 0  # no links into signed-in pages
    page.screenshot(path=str(OUTPUT / "overview-public.png"), full_page=True)
    assert not problems, problems
    page.close()
