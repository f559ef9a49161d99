"""Small formatting helpers for the dashboard templates."""

from django import template

register = template.Library()


@register.filter
def pct(value) -> str:
    """0..1 → "85%"; None → "—"."""
    if value is None or value == "":
        return "—"
    return f"{round(float(value) * 100)}%"


@register.filter
def pct_width(value) -> str:
    """0..1 → a CSS width such as "85.0%"."""
    if value is None or value == "":
        return "0%"
    return f"{max(0.0, min(100.0, float(value) * 100)):.1f}%"


@register.filter
def compliance_band(value) -> str:
    """The colour band of a compliance rate: good, fair, poor or none."""
    if value is None or value == "":
        return "none"
    value = float(value)
    if value >= 0.9:
        return "good"
    if value >= 0.6:
        return "fair"
    return "poor"


@register.filter
def update_state_label(value) -> str:
    from reporting.models import ProgressUpdate

    return dict(ProgressUpdate.State.choices).get(value, value or "")


@register.filter
def action_status_label(value) -> str:
    from actions.models import Action

    return dict(Action.Status.choices).get(value, value or "")
