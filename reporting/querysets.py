"""Chainable query building blocks for reporting: periods, reports, and who
sees which update. Compliance and the other figures come from the figures
engine (reporting/figures/)."""


from datetime import date

from django.db import models
from django.db.models import Q

from metroplan.permissions import can_see_dashboards, is_secretariat, member_of


class ReportingPeriodQuerySet(models.QuerySet):
    def open(self):
        return self.filter(is_open=True)

    def containing(self, day: date):
        return self.filter(start__lte=day, end__gte=day)


class ReportQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Staff see every report in every state; other signed-in users see the
        finished ones (they hold network-wide figures of approved data)."""
        if is_secretariat(user):
            return self
        if user is None or not user.is_authenticated:
            return self.none()
        return self.filter(state="done")


class ProgressUpdateQuerySet(models.QuerySet):
    def approved(self):
        return self.filter(state=self.model.State.APPROVED)

    def visible_to(self, user):
        """Staff see every update; a focal point sees approved updates and all of
        its own member's; anyone else signed in sees approved ones only."""
        if is_secretariat(user):
            return self
        if user is None or not user.is_authenticated:
            return self.approved() if can_see_dashboards(user) else self.none()
        own = member_of(user)
        if own is not None:
            return self.filter(Q(state="approved") | Q(member=own))
        return self.approved()
