"""Chainable query building blocks for reporting: who sees which update, and
the compliance figures, computed in the database."""


from datetime import date

from django.apps import apps
from django.db import models
from django.db.models import Case, CharField, Count, Exists, F, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from actions.querysets import in_visible_plans
from members.querysets import expected_to_report_q
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


class ProgressUpdateQuerySet(models.QuerySet):
    def approved(self):
        return self.filter(state="approved")

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
    (e.g. "member__region_id", "member__slug", "action__code"). One query.

    Without `slots` it takes the fast path (compliance_counts); given a queryset
    of expected_slots() it aggregates those rows' outcomes."""
    if slots is None:
        counts = compliance_counts([period], group_by, today=today)
        if group_by is None:
            return counts.get(period.pk, empty_counts())
        return {key: row for (_period_id, key), row in sorted(counts.items(), key=_group_order)}
    if group_by is None:
        counts = slots.aggregate(**outcome_counts())
        return {**counts, "rate": compliance_rate(counts)}
    rows = slots.order_by().values(group_by).annotate(**outcome_counts()).order_by(group_by)
    return {row[group_by]: {**row, "rate": compliance_rate(row)} for row in rows}


COUNT_KEYS = ("expected", *Outcome.values)


def empty_counts() -> dict:
    counts = dict.fromkeys(COUNT_KEYS, 0)
    return {**counts, "rate": None}


def _group_order(item):
    (period_id, key), _row = item
    return (period_id, key is None, key)


def _live_actions_q(prefix: str, start, end) -> Q:
    """Actions of the period's plan that are live and overlap [start, end]
    (`prefix` leads from the queried model to the action)."""
    return Q(**{
        f"{prefix}retired": False,
        f"{prefix}start_date__lte": end,
        f"{prefix}end_date__gte": start,
    }) & ~Q(**{f"{prefix}status": "cancelled"})


def expected_counts_query(period_ids, group_by: str | None = None, filters: dict | None = None):
    """Participations expected to report, counted per (period, `group_by`), for
    every period in `period_ids` at once: a participation meets each period of
    its action's plan through the plan's periods."""
    Participation = apps.get_model("actions", "Participation")
    through = "action__goal__plan__periods"
    rows = (
        Participation.objects.annotate(pid=F(f"{through}__id"))
        .alias(period_start=F(f"{through}__start"), period_end=F(f"{through}__end"))
        .filter(pid__in=list(period_ids))
        .filter(_live_actions_q("action__", F("period_start"), F("period_end")))
        .filter(expected_to_report_q(OuterRef("period_start"), OuterRef("period_end"), member_ref="member_id"))
        .filter(**(filters or {}))
        .order_by()
    )
    return rows.values_list(*_group_fields(group_by)).annotate(
        expected=Count("pk"), on_time=Value(0), late=Value(0), excused=Value(0)
    ).values_list(*_group_fields(group_by), "expected", "on_time", "late", "excused")


def submitted_counts_query(period_ids, group_by: str | None = None, filters: dict | None = None):
    """Updates first submitted for an expected participation, counted per
    (period, `group_by`) as on time, late but excused, and late (with excused)."""
    Participation = apps.get_model("actions", "Participation")
    ProgressUpdate = apps.get_model("reporting", "ProgressUpdate")
    PeriodReopening = apps.get_model("reporting", "PeriodReopening")
    taking_part = Participation.objects.filter(member=OuterRef("member_id"), action=OuterRef("action_id"))
    extended = PeriodReopening.objects.filter(
        member=OuterRef("member_id"), period=OuterRef("period_id"), state="granted",
        until__gte=OuterRef("submitted_on"),
    )
    late = Q(submitted_on__gt=F("period__deadline"))
    rows = (
        ProgressUpdate.objects.annotate(pid=F("period_id"))
        .alias(submitted_on=TruncDate("first_submitted_at"))
        .filter(pid__in=list(period_ids), first_submitted_at__isnull=False, action__goal__plan=F("period__plan"))
        .filter(_live_actions_q("action__", F("period__start"), F("period__end")))
        .filter(Exists(taking_part))
        .filter(expected_to_report_q(OuterRef("period__start"), OuterRef("period__end"), member_ref="member_id"))
        .filter(**(filters or {}))
        .order_by()
    )
    return rows.values_list(*_group_fields(group_by)).annotate(
        expected=Value(0),
        on_time=Count("pk", filter=Q(submitted_on__lte=F("period__deadline"))),
        late=Count("pk", filter=late),
        excused=Count("pk", filter=late & Q(Exists(extended))),
    ).values_list(*_group_fields(group_by), "expected", "on_time", "late", "excused")


def _group_fields(group_by: str | None) -> tuple[str, ...]:
    return ("pid",) if group_by is None else ("pid", group_by)


def compliance_counts(periods, group_by: str | None = None, *, today: date | None = None,
                      filters: dict | None = None) -> dict:
    """Outcome counts with rate for each period in `periods` (overall, or per
    value of `group_by`, a field path valid on both Participation and
    ProgressUpdate such as "member_id", "member__region_id", "action__code").

    Returns {period_id: counts} without `group_by`, {(period_id, value): counts}
    with it; counts as in compliance_summary (expected, on_time, late, excused,
    missing, due, rate). The same figures as aggregating expected_slots(), from
    one query whatever the number of periods. `filters` are lookups valid on
    both models (e.g. {"action__goal__code": "2"}).
    """
    periods = list(periods)
    if not periods:
        return {}
    today = today or timezone.localdate()
    ids = [period.pk for period in periods]
    query = expected_counts_query(ids, group_by, filters).union(
        submitted_counts_query(ids, group_by, filters), all=True
    )
    width = len(_group_fields(group_by))
    totals: dict = {}
    for row in query:
        key = row[0] if group_by is None else row[:width]
        expected, on_time, late, excused = row[width:]
        total = totals.setdefault(key, [0, 0, 0, 0])
        total[0] += expected
        total[1] += on_time
        total[2] += late
        total[3] += excused
    past_deadline = {period.pk: today > period.deadline for period in periods}
    result = {}
    for key, (expected, on_time, late, excused) in totals.items():
        period_id = key if group_by is None else key[0]
        unsent = expected - on_time - late
        counts = {
            "expected": expected,
            "on_time": on_time,
            "late": late - excused,
            "excused": excused,
            "missing": unsent if past_deadline[period_id] else 0,
            "due": 0 if past_deadline[period_id] else unsent,
        }
        if group_by is not None:
            counts = {group_by: key[1], **counts}
        result[key] = {**counts, "rate": compliance_rate(counts)}
    return result
