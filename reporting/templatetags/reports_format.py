"""Filters for rendering a report's snapshot (HTML page and PDF)."""

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

register = template.Library()


@register.filter
def percent_sign(value) -> str:
    """A percentage already 0..100 (a snapshot's `percent`) with its sign, or
    "—" when there is no figure. (`pct` in dashboards takes a 0..1 fraction.)"""
    return "—" if value is None else f"{value}%"


@register.filter
def names(items, limit: int = 12) -> str:
    """A short list of gaps: "A, B (why), C and 14 more". `items` are names or
    {"member", "why"} dicts. The full lists are in the XLSX and CSV."""
    if not items:
        return ""
    texts = [f"{item['member']} ({item['why']})" if isinstance(item, dict) else str(item) for item in items]
    limit = int(limit)
    if len(texts) <= limit:
        return ", ".join(texts)
    return _("%(shown)s and %(more)s more") % {"shown": ", ".join(texts[:limit]), "more": len(texts) - limit}


@register.simple_tag
def colon() -> str:
    """The colon before a list, as the language writes it (French: a no-break space first)."""
    return pgettext("the colon between a label and what follows", ": ")
