"""Template filters for country and region names in the page's language."""

import unicodedata

from django import template

from members.names import country_name as _country_name
from members.names import region_name as _region_name

register = template.Library()


def _sort_key(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).casefold()


@register.filter
def country_name(code: str, english: str = "") -> str:
    """`{{ code|country_name:stored_name }}`: the country's name in the active language."""
    return _country_name(code, english)


@register.filter
def region_name(name: str) -> str:
    """`{{ region_name_string|region_name }}`: a region's name from the catalog."""
    return _region_name(name)


@register.filter
def localized_countries(pairs) -> list[tuple[str, str]]:
    """(code, stored name) pairs as (code, name in the active language), in the
    order of the names a reader of that language expects."""
    named = [(code, _country_name(code, name)) for code, name in pairs]
    return sorted(named, key=lambda pair: _sort_key(pair[1]))
