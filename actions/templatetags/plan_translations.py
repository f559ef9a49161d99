"""Plan content in templates: in the page's language, a fallback marked with
its `lang`; which plan items lack a French or Spanish text (the plan editor)."""

from django import template

from actions.translation import content_html, content_language, language_name
from actions.translation import missing_translations as _missing

register = template.Library()


@register.filter
def missing_translations(obj) -> list[str]:
    """`{{ action|missing_translations }}`: the names of the languages in which
    the item lacks a text it has in English ("French", in the page's language)."""
    return [language_name(code) for code in _missing(obj)]


@register.filter
def content(obj, field: str | None = None):
    """`{{ action|content:"title" }}`: the item's text in the page's language;
    when it has none there and falls back to English, wrapped in
    `<span lang="en">` so that the markup says so (screen readers read it in
    English, and the check of every page knows it is English on purpose).
    `{{ goal.title|content }}` does the same for a report's snapshot text.
    Every template that shows plan content (titles, names, descriptions,
    units) goes through it (actions.translation.content_html)."""
    return content_html(obj, field)


@register.filter
def content_lang(obj, field: str | None = None) -> str:
    """` lang="en"` (or nothing): for an element whose text or attribute shows
    plan content where a <span> cannot go (an <option>, a `title`), as in
    `<option{{ goal|content_lang:"title" }}>`."""
    from django.utils.html import format_html

    language = content_language(obj, field)
    return format_html(' lang="{}"', language) if language else ""
