"""Plan content in English, French and Spanish (django-modeltranslation).

Each field gets _en, _fr and _es columns; reading `title` gives the active
language's text and falls back to English.
"""

from modeltranslation.translator import TranslationOptions, register
from simple_history import register as simple_history_register

from actions.models import Action, Goal, Indicator


@register(Goal)
class GoalTranslation(TranslationOptions):
    fields = ("title", "description")


@register(Action)
class ActionTranslation(TranslationOptions):
    fields = ("title", "description")


@register(Indicator)
class IndicatorTranslation(TranslationOptions):
    fields = ("name", "description")


# simple-history copies a model's fields when it is registered; registering here,
# after modeltranslation has added title_en/_fr/_es, keeps every language in history.
# Each action record also snapshots its SDG tags, so that the
# history page can show them changing and a restore can bring them back
# (participants have their own history: HistoricalParticipation).
simple_history_register(Goal)
# `plan` is a copy of the goal's plan (for the per-plan code constraint), not history.
simple_history_register(Action, m2m_fields=["sdgs"], excluded_fields=["plan"])
simple_history_register(Indicator)
