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
