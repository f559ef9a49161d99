"""Which plan items lack a French or Spanish text, for the plan editor."""

from django import template
from django.conf import settings

from actions.translation import language_name
from actions.translation import missing_translations as _missing

register = template.Library()


@register.filter
def missing_translations(obj) -> list[str]:
    """`{{ action|missing_translations }}`: the names of the languages in which
    the item lacks a text it has in English ("French", in the page's language)."""
    return [language_name(code) for code in _missing(obj)]


@register.filter
def content(obj, field: str):
    """`{{ action|content:"title" }}`: the item's text in the page's language;
    when it has none there and falls back to English, wrapped in
    `<span lang="en">` so that the markup says so (screen readers read it in
    English, and the check of every page knows it is English on purpose)."""
    from django.utils.html import format_html
    from django.utils.translation import get_language

    value = getattr(obj, field, "")
    language = (get_language() or settings.LANGUAGE_CODE).split("-")[0]
    if value and language != settings.LANGUAGE_CODE and not getattr(obj, f"{field}_{language}", None):
        return format_html('<span lang="{}">{}</span>', settings.LANGUAGE_CODE, value)
    return value
