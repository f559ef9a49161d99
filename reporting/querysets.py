"""Chainable query building blocks for reporting: who sees which update, and
the compliance figures, computed in the database."""

from datetime import date

from django.apps import apps
from django.db import models
from django.db.models import Case, CharField, Count, Exists, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.querysets import expected_to_report_q
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
        return self.filter(state="approved")

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


class Outcome(models.TextChoices):
    """How an expected update turned out against its period's deadline."""

    ON_TIME = "on_time", _("on time")
    LATE = "late", _("late")
    EXCUSED = "excused", _("excused")
    MISSING = "missing", _("missing")
    DUE = "due", _("not yet due")


def expected_slots(period, today: date | None = None):
    """Participations expected to report in `period`, each annotated with its
    `outcome` (Outcome).

    Expected = the member takes part in a live action of the period's plan whose
    dates overlap the period, and its membership covered the period without
    suspension, departure or exemption.
    - on time: first submitted by the deadline;
    - excused: submitted after the deadline, within a reopening staff granted;
    - late: submitted after the deadline otherwise;
    - due: not submitted, and the deadline has not passed;
    - missing: not submitted, and the deadline has passed.
    Drafts do not count as submitted.
    """
    Participation = apps.get_model("actions", "Participation")
    ProgressUpdate = apps.get_model("reporting", "ProgressUpdate")
    PeriodReopening = apps.get_model("reporting", "PeriodReopening")
    today = today or timezone.localdate()

    first_submitted = Subquery(
        ProgressUpdate.objects.filter(
            member=OuterRef("member_id"), action=OuterRef("action_id"), period=period
        ).order_by().values("first_submitted_at")[:1]
    )
    extension_until = Subquery(
        PeriodReopening.objects.filter(member=OuterRef("member_id"), period=period, state="granted")
        .order_by("-until")
        .values("until")[:1]
    )
    not_yet_due = today <= period.deadline
    return (
        Participation.objects.filter(
            action__goal__plan_id=period.plan_id,
            action__retired=False,
            action__start_date__lte=period.end,
            action__end_date__gte=period.start,
        )
        .exclude(action__status="cancelled")
        .filter(expected_to_report_q(period.start, period.end, member_ref="member_id"))
        .annotate(first_submitted=first_submitted, extension_until=extension_until)
        .annotate(
            submitted_on=TruncDate("first_submitted"),
            outcome=Case(
                When(first_submitted__isnull=True, then=Value(Outcome.DUE if not_yet_due else Outcome.MISSING)),
                When(submitted_on__lte=period.deadline, then=Value(Outcome.ON_TIME)),
                When(
                    extension_until__isnull=False,
                    submitted_on__lte=models.F("extension_until"),
                    then=Value(Outcome.EXCUSED),
                ),
                default=Value(Outcome.LATE),
                output_field=CharField(),
            ),
        )
    )


def outcome_counts() -> dict:
    """Aggregates that count expected slots by outcome."""
    return {
        "expected": Count("pk"),
        **{outcome.value: Count("pk", filter=Q(outcome=outcome.value)) for outcome in Outcome},
    }


def compliance_rate(counts: dict) -> float | None:
    """Updates submitted by the deadline / updates expected.

    Updates not yet due and excused ones are left out of the denominator: the
    first cannot be late yet, the second were allowed to be late.
    """
    denominator = counts["expected"] - counts.get("due", 0) - counts.get("excused", 0)
    if denominator <= 0:
        return None
    return counts["on_time"] / denominator


def compliance_summary(period, group_by: str | None = None, slots=None, today: date | None = None):
    """Compliance for one period, overall or grouped by a field of Participation
    (e.g. "member__region__slug", "member__slug", "action__code"). One query."""
    slots = expected_slots(period, today=today) if slots is None else slots
    if group_by is None:
        counts = slots.aggregate(**outcome_counts())
        return {**counts, "rate": compliance_rate(counts)}
    rows = slots.order_by().values(group_by).annotate(**outcome_counts()).order_by(group_by)
    return {row[group_by]: {**row, "rate": compliance_rate(row)} for row in rows}


def expected_slots_all_periods(plan, today: date | None = None):
    """expected_slots() for every period of `plan` at once: one row per
    (participation, period) with `period_id` and `outcome` annotated, so that
    compliance for all periods is one grouped query instead of one per period.

    Same rules as expected_slots (tests hold the two to the same counts). The
    outcome is one correlated subquery per row (on the update's unique index),
    so that grouping by it stays cheap.
    """
    Participation = apps.get_model("actions", "Participation")
    ProgressUpdate = apps.get_model("reporting", "ProgressUpdate")
    PeriodReopening = apps.get_model("reporting", "PeriodReopening")
    today = today or timezone.localdate()

    excused = Exists(
        PeriodReopening.objects.filter(
            member=OuterRef("member_id"), period=OuterRef("period_id"), state="granted",
            until__gte=OuterRef("submitted_on"),
        )
    )
    submitted_outcome = Subquery(
        ProgressUpdate.objects.filter(
            member=OuterRef("member_id"), action=OuterRef("action_id"), period=OuterRef("period_id"),
            first_submitted_at__isnull=False,
        )
        .order_by()
        .annotate(submitted_on=TruncDate("first_submitted_at"))
        .annotate(
            outcome=Case(
                When(submitted_on__lte=OuterRef("period_deadline"), then=Value(Outcome.ON_TIME)),
                When(excused, then=Value(Outcome.EXCUSED)),
                default=Value(Outcome.LATE),
                output_field=CharField(),
            )
        )
        .values("outcome")[:1],
        output_field=CharField(),
    )
    unsubmitted = Case(
        When(period_deadline__gte=today, then=Value(Outcome.DUE)), default=Value(Outcome.MISSING),
        output_field=CharField(),
    )
    return (
        Participation.objects.filter(action__goal__plan_id=plan.pk, action__retired=False)
        .exclude(action__status="cancelled")
        .annotate(
            period_id=models.F("action__goal__plan__periods__id"),
            period_start=models.F("action__goal__plan__periods__start"),
            period_end=models.F("action__goal__plan__periods__end"),
            period_deadline=models.F("action__goal__plan__periods__deadline"),
        )
        .filter(action__start_date__lte=models.F("period_end"), action__end_date__gte=models.F("period_start"))
        .filter(expected_to_report_q(OuterRef("period_start"), OuterRef("period_end"), member_ref="member_id"))
        .annotate(outcome=Coalesce(submitted_outcome, unsubmitted, output_field=CharField()))
    )
