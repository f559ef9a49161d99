"""Chainable query building blocks of the plan. Figures (progress and the
rest) are not computed here: they come from the figures engine
(reporting/figures/)."""

from django.apps import apps
from django.db import models

from metroplan.visibility import UnrestrictedQuerySet


def in_visible_plans(queryset, user, plan_path: str):
    """`queryset` restricted to rows of plans `user` may see (PlanQuerySet.visible_to):
    a draft plan's goals, actions, indicators, periods and updates are staff's."""
    from metroplan.permissions import is_secretariat

    if is_secretariat(user):
        return queryset
    Plan = apps.get_model("actions", "Plan")
    return queryset.filter(**{f"{plan_path}__in": Plan.objects.visible_to(user)})


def plan_audience(plan):
    """Who may see `plan` and what belongs to it, as PlanQuerySet.visible_to
    draws it, for one plan as it now stands (the change feed records it with
    each change): a draft plan is staff's, any other every reader's."""
    from metroplan.changes import EVERYONE, STAFF_ONLY

    return STAFF_ONLY if plan is None or plan.status == "draft" else EVERYONE


def audience_through(plan_attr: str):
    """The audience of an object that belongs to the plan at `plan_attr` (e.g. "goal.plan")."""

    def audience(obj):
        plan = obj
        for part in plan_attr.split("."):
            plan = getattr(plan, part, None)
        return plan_audience(plan)

    return audience


class SustainableDevelopmentGoalQuerySet(UnrestrictedQuerySet):
    """The UN's 17 goals: public."""


class ParticipationQuerySet(models.QuerySet):
    def visible_to(self, user):
        return in_visible_plans(self, user, "action__goal__plan")


class MilestoneQuerySet(models.QuerySet):
    def visible_to(self, user):
        return in_visible_plans(self, user, "indicator__action__goal__plan")


class PlanQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Staff see every plan; others do not see draft plans (being prepared)."""
        from metroplan.permissions import can_see_dashboards, is_secretariat

        if is_secretariat(user):
            return self
        if not can_see_dashboards(user):
            return self.none()
        return self.exclude(status="draft")

    def current(self):
        """The current plan, or the newest one if none is marked current."""
        return self.order_by("-is_current", "-start_date").first()


class IndicatorQuerySet(models.QuerySet):
    def visible_to(self, user):
        return in_visible_plans(self, user, "action__goal__plan")

    def active(self):
        return self.filter(retired=False)


class ActionQuerySet(models.QuerySet):
    def visible_to(self, user):
        return in_visible_plans(self, user, "goal__plan")

    def active(self):
        return self.filter(retired=False)

    def counted(self):
        """Actions that count in goal and plan progress."""
        return self.filter(retired=False).exclude(status=self.model.Status.CANCELLED)

    def in_plan(self, plan):
        return self.filter(goal__plan=plan)


class GoalQuerySet(models.QuerySet):
    def visible_to(self, user):
        return in_visible_plans(self, user, "plan")

    def active(self):
        return self.filter(retired=False)
