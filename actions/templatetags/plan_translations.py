"""Which plan items lack a French or Spanish text, for the plan editor."""

from django import template

from actions.translation import language_name
from actions.translation import missing_translations as _missing

register = template.Library()


@register.filter
def missing_translations(obj) -> list[str]:
    """`{{ action|missing_translations }}`: the names of the languages in which
    the item lacks a text it has in English ("French", in the page's language)."""
    return [language_name(code) for code in _missing(obj)]
