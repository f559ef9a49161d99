"""What the dashboard pages share: who may see them, and the data the page
embeds for its charts and map (read by static/js/)."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login

from metroplan.permissions import can_see_dashboards
from reporting.figures import Figure


def dashboard_access(view):
    """Signed-in users see the dashboards; anonymous visitors only when the
    PUBLIC_DASHBOARD setting opens the read-only public view."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not can_see_dashboards(request.user):
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapper


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
