"""Chainable query building blocks of the plan. Figures (progress and the
rest) are not computed here: they come from the figures engine
(reporting/figures/)."""

from django.db import models


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
    def active(self):
        return self.filter(retired=False)


class ActionQuerySet(models.QuerySet):
    def active(self):
        return self.filter(retired=False)

    def counted(self):
        """Actions that count in goal and plan progress."""
        return self.filter(retired=False).exclude(status=self.model.Status.CANCELLED)

    def in_plan(self, plan):
        return self.filter(goal__plan=plan)


class GoalQuerySet(models.QuerySet):
    def active(self):
        return self.filter(retired=False)
