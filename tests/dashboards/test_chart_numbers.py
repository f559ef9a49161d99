"""Charts write numbers in the page's language: static/js/charts.js gives Chart.js
the locale of <html lang>, and formats the values of tooltips, labels and ticks with it."""

import pytest


@pytest.mark.parametrize(("language", "expected"), [
    ("en", ["22.5%", "1,234.5 km", "—"]),
    ("fr", ["22,5\u00a0%", "1\u202f234,5 km", "—"]),
    ("es", ["22,5\u00a0%", "1234,5 km", "—"]),
])
def test_chart_values_are_written_in_the_page_language(language, expected):
    """static/js/charts.js run by Node (no browser needed) on a page in `language`."""
    import json
    import shutil
    import subprocess
    from pathlib import Path

    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js is not installed")
    script = Path(__file__).resolve().parents[2] / "static" / "js" / "charts.js"
    program = (
        f"global.document = {{documentElement: {{lang: {json.dumps(language)}}}, readyState: 'complete', "
        "querySelectorAll: () => []}; global.window = global;"
        f"require({json.dumps(str(script))});"
        "console.log(JSON.stringify([window.metroplanChartValue(22.5, '%'), "
        "window.metroplanChartValue(1234.5, 'km'), window.metroplanChartValue(null, 'km')]));"
    )
    run = subprocess.run([node, "-e", program], capture_output=True, text=True, timeout=30)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == expected
