"""Who was expected to report, and how each expected update turned out: the
one definition of an expected slot, of its outcome (timeliness), and of the
counts compliance is computed from.

An expected slot is a (member, action, period): the member takes part in a
live, not cancelled action of the period's plan whose dates overlap the
period, and its membership covered the period without suspension, departure
or exemption. Each slot's outcome:
- on time: first submitted by the deadline;
- excused: submitted after the deadline, within a reopening staff granted;
- late: submitted after the deadline otherwise;
- due: not submitted, and the deadline has not passed;
- missing: not submitted, and the deadline has passed.
A deadline (and a reopening's last day) ends at midnight in the member's time
zone: a submission is by the deadline when the calendar day it was made on,
where the member is, is the deadline day or before. Drafts do not count as
submitted. "As of" a day, a submission made after that day has not happened yet.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db import models
from django.db.models import Case, CharField, Count, DateTimeField, F, OuterRef, Q, QuerySet, Subquery, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from actions.models import Action, Participation
from members.querysets import expected_to_report_q
from metroplan.timezones import LocalDate
from reporting.figures.rules import compliance_rate
from reporting.models import PeriodReopening, ProgressUpdate


class Outcome(models.TextChoices):
    """How an expected update turned out against its period's deadline."""

    ON_TIME = "on_time", _("on time")
    LATE = "late", _("late")
    EXCUSED = "excused", _("excused")
    MISSING = "missing", _("missing")
    DUE = "due", _("not yet due")


COUNT_KEYS = ("expected", *Outcome.values)


def end_of_day(day: date) -> datetime:
    """The first moment after `day`, in the site's time zone."""
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def moment_of(today: date | None) -> datetime:
    """The moment a view "as of `today`" stands at: now when `today` is None
    or the current day, otherwise the last moment of `today` (site zone)."""
    now = timezone.now()
    if today is None or today == timezone.localdate(now):
        return now
    return end_of_day(today) - timedelta(microseconds=1)


def with_outcome(queryset: QuerySet, *, submitted: str, deadline: str, extension: str, zone: str, now: datetime,
                 unsubmitted: bool = True) -> QuerySet:
    """`queryset` annotated with `outcome`, from the names of its first-submission
    time, deadline, granted-extension and member's time zone columns; `now` is
    the moment that decides whether an unsubmitted slot's deadline has passed.
    With `unsubmitted=False` a slot never submitted has no outcome (None)
    rather than due/missing."""
    queryset = queryset.alias(_submitted_on=LocalDate(submitted, zone))
    never = Q(**{f"{submitted}__isnull": True})
    if unsubmitted:
        queryset = queryset.alias(_today=LocalDate(Value(now, output_field=DateTimeField()), zone))
        whens = [
            When(never & Q(**{f"{deadline}__gte": F("_today")}), then=Value(Outcome.DUE.value)),
            When(never, then=Value(Outcome.MISSING.value)),
        ]
    else:
        whens = [When(never, then=Value(None))]
    whens += [
        When(_submitted_on__lte=F(deadline), then=Value(Outcome.ON_TIME.value)),
        When(Q(**{f"{extension}__isnull": False}) & Q(_submitted_on__lte=F(extension)),
             then=Value(Outcome.EXCUSED.value)),
    ]
    return queryset.annotate(outcome=Case(*whens, default=Value(Outcome.LATE.value), output_field=CharField()))


def granted_until(member_ref: str, period_ref: str):
    """The latest day a granted reopening lets the member report in the period."""
    return Subquery(
        PeriodReopening.objects.filter(
            member=OuterRef(member_ref), period=OuterRef(period_ref), state=PeriodReopening.State.GRANTED
        ).order_by("-until").values("until")[:1]
    )


def expected_slots(periods, *, today: date | None = None, as_of: date | None = None,
                   filters: dict | None = None) -> QuerySet:
    """Participation rows, one per expected (member, action, period) of `periods`
    (ReportingPeriod instances or ids), annotated with `period_id`,
    `period_code`, `period_deadline`, `first_submitted` and `outcome`.

    `filters` are lookups on Participation (e.g. {"action__goal__code": "2"}).
    `today` None is now; a day is seen as at its last moment (moment_of).
    """
    period_ids = [getattr(period, "pk", period) for period in periods]
    through = "action__goal__plan__periods"
    # One update per member, action and period (a unique constraint): no
    # ordering, so the subquery is one index lookup, without the joins and the
    # sort that ProgressUpdate's default ordering would add to every slot.
    submissions = ProgressUpdate.objects.filter(
        member=OuterRef("member_id"), action=OuterRef("action_id"), period=OuterRef("period_id"),
        first_submitted_at__isnull=False,
    ).order_by()
    if as_of is not None:
        submissions = submissions.filter(first_submitted_at__lt=end_of_day(as_of))
    slots = (
        Participation.objects.annotate(period_id=F(f"{through}__id"))
        .alias(period_start=F(f"{through}__start"), period_end=F(f"{through}__end"))
        .annotate(period_code=F(f"{through}__code"), period_deadline=F(f"{through}__deadline"))
        .filter(period_id__in=period_ids, action__retired=False)
        .filter(action__start_date__lte=F("period_end"), action__end_date__gte=F("period_start"))
        .exclude(action__status=Action.Status.CANCELLED)
        .filter(expected_to_report_q(OuterRef("period_start"), OuterRef("period_end"), member_ref="member_id"))
        .filter(**(filters or {}))
        .annotate(
            first_submitted=Subquery(submissions.values("first_submitted_at")[:1]),
            extension_until=granted_until("member_id", "period_id"),
        )
    )
    return with_outcome(
        slots, submitted="first_submitted", deadline="period_deadline", extension="extension_until",
        zone="member__time_zone", now=moment_of(today),
    )


def update_timeliness(updates: QuerySet, *, today: date | None = None) -> QuerySet:
    """Progress updates annotated with `outcome`: how their first submission
    stands against the period's deadline (None for a draft never submitted)."""
    updates = updates.annotate(extension_until=granted_until("member_id", "period_id"))
    return with_outcome(
        updates, submitted="first_submitted_at", deadline="period__deadline", extension="extension_until",
        zone="member__time_zone", now=moment_of(today), unsubmitted=False,
    )


def empty_counts() -> dict:
    return {**dict.fromkeys(COUNT_KEYS, 0), "rate": None}


def outcome_counts(periods, by: tuple[str, ...] = (), *, today: date | None = None, as_of: date | None = None,
                   filters: dict | None = None) -> dict:
    """Outcome counts of the expected slots of `periods`, grouped by period and
    by the Participation fields in `by` (e.g. ("member_id",), ("action_id",)).

    Returns {(period_id, *values of by): counts}, counts being
    {expected, on_time, late, excused, missing, due}. One query: the outcome is
    grouped on, so each slot's outcome is computed once.
    """
    periods = list(periods)
    if not periods:
        return {}
    rows = (
        expected_slots(periods, today=today, as_of=as_of, filters=filters)
        .order_by()
        .values_list("period_id", *by, "outcome")
        .annotate(n=Count("pk"))
    )
    result: dict[tuple, dict] = {}
    # Read as they come (a server-side cursor on PostgreSQL), not all at once: grouped by
    # member over a plan's periods they are ~300,000 rows at 100x, and holding them (in the
    # driver, then as a list) before counting added ~32 MB to a report build's peak.
    for *key, outcome, n in rows.iterator(chunk_size=10_000):
        counts = result.setdefault(tuple(key), dict.fromkeys(COUNT_KEYS, 0))
        counts[outcome] += n
        counts["expected"] += n
    for counts in result.values():
        counts["rate"] = compliance_rate(counts)
    return result


def add_counts(rows) -> dict:
    """The sum of several outcome counts (a region is the sum of its members)."""
    total = dict.fromkeys(COUNT_KEYS, 0)
    for counts in rows:
        for key in COUNT_KEYS:
            total[key] += counts.get(key, 0)
    total["rate"] = compliance_rate(total)
    return total
