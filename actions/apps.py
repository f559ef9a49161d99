from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActionsConfig(AppConfig):
    name = "actions"
    verbose_name = _("Plan")

    def ready(self):
        from actions.models import Action, Goal, Participation
        from metroplan.db import register_any

        # The fields actions.api.selectors filters with `__any` (pages of at most a
        # few hundred goals or actions). They go with it when the figures engine
        # replaces that module.
        register_any(
            Action._meta.get_field("goal"), Goal._meta.get_field("plan"),
            Action.sdgs.through._meta.get_field("action"), Participation._meta.get_field("action"),
        )
