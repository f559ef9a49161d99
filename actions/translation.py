"""Plan content in English, French and Spanish (django-modeltranslation).

Each field gets _en, _fr and _es columns; reading `title` gives the active
language's text and falls back to English. The French and Spanish texts of
the 2021-2023 plan are the secretariat's working translations, not the plan's
official wording (`Plan.translation_note` says so, and the plan editor shows
which items still lack one: `missing_translations`).
"""

from django.conf import settings
from modeltranslation.translator import TranslationOptions, register
from simple_history import register as simple_history_register

from actions.models import Action, Goal, Indicator, Plan, SustainableDevelopmentGoal

# Where the English text is empty (an item created in a French session, say),
# show another language's rather than nothing.
ANY_LANGUAGE = {"default": tuple(code for code, _name in settings.LANGUAGES)}


@register(Plan)
class PlanTranslation(TranslationOptions):
    fields = ("name", "subtitle", "translation_note")
    fallback_languages = ANY_LANGUAGE


@register(SustainableDevelopmentGoal)
class SustainableDevelopmentGoalTranslation(TranslationOptions):
    """The UN's official short names and goal titles (actions/migrations/0005)."""

    fields = ("name", "title")


@register(Goal)
class GoalTranslation(TranslationOptions):
    fields = ("title", "description")


@register(Action)
class ActionTranslation(TranslationOptions):
    fields = ("title", "description")


@register(Indicator)
class IndicatorTranslation(TranslationOptions):
    fields = ("name", "description", "unit")
    fallback_languages = ANY_LANGUAGE


# The texts a translation must cover, per model: the first is required in
# English; the others only where the English text has one.
TRANSLATED_TEXTS = {Goal: ("title", "description"), Action: ("title", "description"),
                    Indicator: ("name", "description", "unit")}


def missing_translations(obj) -> list[str]:
    """The languages (codes other than English) in which `obj` lacks a text that
    it has in English, e.g. ["fr"] for an action with no French title."""
    fields = TRANSLATED_TEXTS[type(obj)]
    missing = []
    for code, _name in settings.LANGUAGES:
        if code == "en":
            continue
        for field in fields:
            english = (getattr(obj, f"{field}_en", "") or "").strip()
            if english and not (getattr(obj, f"{field}_{code}", "") or "").strip():
                missing.append(code)
                break
    return missing


def language_name(code: str) -> str:
    """The name of a language of the site in the active language ("French")."""
    return str(dict(settings.LANGUAGES)[code])


# simple-history copies a model's fields when it is registered; registering here,
# after modeltranslation has added title_en/_fr/_es, keeps every language in history.
# Each action record also snapshots its SDG tags, so that the
# history page can show them changing and a restore can bring them back
# (participants have their own history: HistoricalParticipation).
# `modified` is bookkeeping for incremental sync (the API's modified_after), not history.
simple_history_register(Goal, excluded_fields=["modified"])
# `plan` is a copy of the goal's plan (for the per-plan code constraint), not history.
simple_history_register(Action, m2m_fields=["sdgs"], excluded_fields=["plan", "modified"])
simple_history_register(Indicator, excluded_fields=["modified"])


class PlanText(str):
    """Plan content that knows the language it is written in (a report's
    snapshot text picked for a reader: `reporting.report_view.pick`)."""

    language: str

    def __new__(cls, value: str, language: str):
        text = super().__new__(cls, value)
        text.language = language
        return text

    def __getnewargs__(self):
        return str(self), self.language


def _active_language() -> str:
    from django.utils.translation import get_language

    return (get_language() or settings.LANGUAGE_CODE).split("-")[0]


def content_language(obj, field: str | None = None) -> str | None:
    """The language in which plan content is shown when it is not the page's:
    "en" for an action's title with no French text on a French page (the
    fallback), None when it is in the page's language or empty. `obj` is a plan
    item and `field` one of its translated fields, or (without `field`) a
    PlanText. The one rule behind the `content` and `content_lang` filters and
    `content_html`."""
    value = getattr(obj, field, "") if field else obj
    if not value:
        return None
    active = _active_language()
    if isinstance(value, PlanText):
        return value.language if value.language != active else None
    if field is None or getattr(obj, f"{field}_{active}", None) or not hasattr(obj, f"{field}_{active}"):
        return None
    for code, _name in settings.LANGUAGES:
        if code != active and getattr(obj, f"{field}_{code}", None) == value:
            return code
    return settings.LANGUAGE_CODE


def content_html(obj, field: str | None = None):
    """Plan content as HTML in the page's language; a fallback (English on a
    French page) wrapped in `<span lang="en">`, so that the markup says which
    language it is in (screen readers read it so, and the check of every page
    knows it is not an interface word left untranslated)."""
    from django.utils.html import conditional_escape, format_html

    value = getattr(obj, field, "") if field else obj
    language = content_language(obj, field)
    if language:
        return format_html('<span lang="{}">{}</span>', language, value)
    return conditional_escape(value or "")


def html_sentence(template: str, values: dict):
    """A sentence in the page's language as HTML: `template % values`, the
    template and each value escaped, plan content given as `content_html(...)`
    kept with its `lang` marking. For code that writes a sentence around plan
    content (an early warning's unit), so that one sentence serves text and HTML."""
    from django.utils.html import conditional_escape
    from django.utils.safestring import mark_safe

    return mark_safe(conditional_escape(template) % {  # noqa: S308 - the template and every value escaped
        key: conditional_escape(value) for key, value in values.items()})
