"""What the dashboard pages share: the data the page embeds for its charts and
map (read by static/js/). Who may see them: metroplan.permissions.reader_required."""

from reporting.figures import Figure


def percent(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 1)


def series_chart(labels: list[str], series: list[tuple[str, list[float | None]]], *, kind: str = "line",
                 unit: str = "%", horizontal: bool = False, max_value: float | None = 100) -> dict:
    """A chart spec for static/js/charts.js: labels and named series of numbers."""
    return {
        "kind": kind,
        "labels": labels,
        "series": [{"label": label, "data": data} for label, data in series],
        "unit": unit,
        "horizontal": horizontal,
        "max": max_value,
    }


def figures_chart(rows: list[tuple[str, Figure]], label: str, **kwargs) -> dict:
    return series_chart([name for name, _ in rows], [(label, [percent(f.value) for _, f in rows])], **kwargs)
