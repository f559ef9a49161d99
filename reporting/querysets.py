"""Chainable query building blocks for reporting: periods, reports, and who
sees which update. Compliance and the other figures come from the figures
engine (reporting/figures/)."""


from datetime import date

from django.apps import apps
from django.db import models
from django.db.models import Q

from actions.querysets import in_visible_plans
from metroplan.permissions import can_see_dashboards, is_secretariat, member_of


class ReportingPeriodQuerySet(models.QuerySet):
    def visible_to(self, user):
        return in_visible_plans(self, user, "plan")

    def open(self):
        return self.filter(is_open=True)

    def containing(self, day: date):
        return self.filter(start__lte=day, end__gte=day)


class ReportQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Staff see every report in every state; other signed-in users see the
        finished ones of plans they may see (they hold network-wide figures of
        approved data). A failed build, and its reason, is staff's."""
        if is_secretariat(user):
            return self
        if user is None or not user.is_authenticated:
            return self.none()
        return in_visible_plans(self.filter(state="done"), user, "plan")

    @staticmethod
    def audience(report):
        """visible_to, for one report as it now stands: a finished report is
        every reader's (of a plan they may see); one being built, or failed, staff's."""
        from actions.querysets import plan_audience
        from metroplan.changes import STAFF_ONLY

        return plan_audience(report.plan) if report.state == "done" else STAFF_ONLY


class ProgressUpdateQuerySet(models.QuerySet):
    def approved(self):
        return self.filter(state=self.model.State.APPROVED)

    def visible_to(self, user):
        """Staff see every update; a focal point sees approved updates and all of
        its own member's; anyone else signed in sees approved ones only; nobody
        but staff sees those of a draft plan."""
        if is_secretariat(user):
            return self
        if user is None or not user.is_authenticated:
            if not can_see_dashboards(user):
                return self.none()
            return in_visible_plans(self.approved(), user, "period__plan")
        own = member_of(user)
        if own is not None:
            return in_visible_plans(self.filter(Q(state="approved") | Q(member=own)), user, "period__plan")
        return in_visible_plans(self.approved(), user, "period__plan")


    @staticmethod
    def audience(update):
        """visible_to, for one update as it now stands (the change feed records
        it with each change): an approved update is every reader's, any other
        its member's focal points' (and staff's); a draft plan's are staff's."""
        from actions.querysets import plan_audience
        from metroplan.changes import Audience

        plan = plan_audience(update.period.plan)
        if not plan.public or update.state == "approved":
            return plan
        return Audience(member_id=update.member_id)


class PartOfUpdateQuerySet(models.QuerySet):
    """Indicator values and evidence: visible with their update."""

    def visible_to(self, user):
        ProgressUpdate = apps.get_model("reporting", "ProgressUpdate")
        return self.filter(update__in=ProgressUpdate.objects.visible_to(user))


class PeriodReopeningQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Staff see every request; a focal point sees its own member's."""
        if is_secretariat(user):
            return self
        own = member_of(user)
        return self.filter(member=own) if own is not None else self.none()


class ReminderSentQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The log of reminders sent: staff's."""
        return self if is_secretariat(user) else self.none()


class DigestSentQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The log of digests sent to staff: staff's."""
        return self if is_secretariat(user) else self.none()


class ReminderScheduleQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The reminder schedule: staff's."""
        return self if is_secretariat(user) else self.none()


class CommentaryQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The secretariat's commentary is read where the plan's pages are:
        by whoever may see the dashboards of its plan."""
        return in_visible_plans(self, user, "period__plan")


class FiguresVersionQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The figures engine's bookkeeping: nobody's to read through a page or the API."""
        return self.none()
