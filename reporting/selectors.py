"""Compliance figures for pages, the API and reports (computed in the database)."""


from datetime import date

from django.db.models import Case, Count, F, FloatField, IntegerField, OuterRef, Q, Subquery, When
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from members.models import Member, Region
from metroplan.figures import Figure
from reporting.models import ReportingPeriod
from reporting.querysets import (
    COUNT_KEYS,
    Outcome,
    compliance_counts,
    compliance_rate,
    compliance_summary,
    empty_counts,
    expected_slots,
)

COMPLIANCE_RULE = gettext_lazy(
    "Compliance = updates first submitted by the deadline / updates expected. Expected: each member taking "
    "part in a live action whose dates overlap the period, while its membership was active and not suspended, "
    "left or exempted. Each expected update is on time, late, excused (late within a reopening staff granted), "
    "missing, or not yet due; updates not yet due and excused ones are left out of the denominator."
)


def compliance_figure(counts: dict) -> Figure:
    left_out = []
    if counts.get("due"):
        left_out.append(_("%(n)s updates not yet due") % {"n": counts["due"]})
    if counts.get("excused"):
        left_out.append(_("%(n)s excused late updates") % {"n": counts["excused"]})
    return Figure(
        value=compliance_rate(counts),
        rule=COMPLIANCE_RULE,
        inputs=[
            _("%(on_time)s on time, %(late)s late, %(missing)s missing") % {
                "on_time": counts.get("on_time", 0), "late": counts.get("late", 0),
                "missing": counts.get("missing", 0),
            }
        ],
        left_out=left_out,
        covered=counts.get("on_time", 0) + counts.get("late", 0) + counts.get("excused", 0),
        expected=counts.get("expected", 0),
        coverage_label=_("updates received"),
    )


def slots_for(period: ReportingPeriod, *, goal: str | None = None, action: str | None = None,
              today: date | None = None, member=None):
    """Expected slots of a period, optionally of one goal, action (codes) or member (instance or id)."""
    slots = expected_slots(period, today=today)
    if goal:
        slots = slots.filter(action__goal__code=goal)
    if action:
        slots = slots.filter(action__code=action)
    if member is not None:
        slots = slots.filter(member_id=getattr(member, "pk", member))
    return slots


def compliance_for_period(period: ReportingPeriod, *, today: date | None = None, **filters) -> Figure:
    counts = _counts([period], None, today=today, **filters)
    return compliance_figure(counts.get(period.pk, empty_counts()))


def compliance_by_period(plan, *, up_to: date | None = None, today: date | None = None,
                         **filters) -> list[tuple[ReportingPeriod, Figure]]:
    """One figure per period of the plan (one query for all periods)."""
    periods = ReportingPeriod.objects.filter(plan=plan).order_by("start")
    if up_to is not None:
        periods = periods.filter(start__lte=up_to)
    periods = list(periods)
    counts = _counts(periods, None, today=today, **filters)
    return [(period, compliance_figure(counts.get(period.pk, empty_counts()))) for period in periods]


def compliance_by_region(period: ReportingPeriod, *, today: date | None = None,
                         **filters) -> list[tuple[Region, Figure]]:
    """One figure per region for one period (two queries)."""
    counts = _counts([period], "member__region_id", today=today, **filters)
    rows = {region_id: row for (_period_id, region_id), row in counts.items()}
    return [
        (region, compliance_figure(rows[region.pk]))
        for region in Region.objects.order_by("order", "name")
        if region.pk in rows
    ]


def compliance_by_region_from_members(member_counts: dict[int, dict], region_of: dict[int, int]):
    """compliance_by_region from per-member counts already at hand (a page that
    shows both): each expected update belongs to one member and so to one
    region, so the region's counts are the sums of its members'."""
    sums: dict[int, dict] = {}
    for member_id, counts in member_counts.items():
        total = sums.setdefault(region_of[member_id], dict.fromkeys(COUNT_KEYS, 0))
        for key in COUNT_KEYS:
            total[key] += counts.get(key, 0)
    return [
        (region, compliance_figure({**sums[region.pk], "rate": compliance_rate(sums[region.pk])}))
        for region in Region.objects.order_by("order", "name")
        if region.pk in sums
    ]


def compliance_by_member(period: ReportingPeriod, *, today: date | None = None, **filters) -> dict[int, dict]:
    """{member_id: counts with rate} for one period (one query)."""
    counts = _counts([period], "member_id", today=today, **filters)
    return {member_id: row for (_period_id, member_id), row in sorted(counts.items())}


def compliance_matrix(plan, *, goal: str | None = None, action: str | None = None, today: date | None = None):
    """Members (grouped by region) × periods, each cell the outcome counts of the
    member's expected updates in that period. Two queries whatever the number
    of periods, and one for the members."""
    periods = list(ReportingPeriod.objects.filter(plan=plan).order_by("start"))
    counts = _counts(periods, "member_id", goal=goal, action=action, today=today)
    cells: dict[tuple[int, int], dict] = {
        (member_id, period_id): row for (period_id, member_id), row in sorted(counts.items())
    }
    member_ids = {member_id for member_id, _period_id in cells}
    members = list(Member.objects.filter(pk__in=member_ids).select_related("region").order_by(
        "region__order", "region__name", "name"
    ))
    return periods, members, cells


def cell_outcome(counts: dict | None) -> str:
    """The worst outcome in a heatmap cell, which gives its colour."""
    if not counts:
        return ""
    for outcome in (Outcome.MISSING, Outcome.LATE, Outcome.DUE, Outcome.EXCUSED, Outcome.ON_TIME):
        if counts.get(outcome.value):
            return outcome.value
    return ""


def update_gaps(period: ReportingPeriod, *, today: date | None = None):
    """The data gaps behind the progress and compliance figures of `period`:
    every expected (member, action) whose update is not approved, with its
    outcome (missing, not yet due, or submitted on time/late but not approved).
    One query; rows are dicts ordered by member name and action code."""
    from django.db.models import Exists, OuterRef

    from reporting.models import ProgressUpdate

    approved = ProgressUpdate.objects.filter(
        member=OuterRef("member_id"), action=OuterRef("action_id"), period=period, state="approved"
    )
    return list(
        expected_slots(period, today=today)
        .annotate(approved=Exists(approved))
        .filter(approved=False)
        .order_by("member__name", "action__code")
        .values("member_id", "member__name", "member__slug", "member__region_id", "action_id", "action__code",
                "outcome")
    )


def indicator_gaps(period: ReportingPeriod, *, today: date | None = None):
    """For each live indicator, the expected members of `period` that gave no
    approved number for it: no approved update, or "not available" (with the
    member's reason). One query; rows are dicts ordered by indicator and member."""
    from django.db.models import Exists, F, OuterRef, Subquery

    from reporting.models import IndicatorValue, ProgressUpdate

    values = IndicatorValue.objects.filter(
        update__member=OuterRef("member_id"), update__period=period, update__state="approved",
        indicator=OuterRef("indicator_id"),
    )
    approved = ProgressUpdate.objects.filter(
        member=OuterRef("member_id"), action=OuterRef("action_id"), period=period, state="approved"
    )
    return list(
        expected_slots(period, today=today)
        .annotate(
            indicator_id=F("action__indicators__id"),
            indicator_code=F("action__indicators__code"),
            indicator_retired=F("action__indicators__retired"),
        )
        .filter(indicator_retired=False)
        .annotate(
            has_number=Exists(values.filter(value__isnull=False)),
            not_available_reason=Subquery(values.filter(not_available=True).values("not_available_reason")[:1]),
            update_approved=Exists(approved),
        )
        .filter(has_number=False)
        .order_by("indicator_code", "member__name")
        .values("indicator_id", "indicator_code", "member_id", "member__name", "outcome", "not_available_reason",
                "update_approved")
    )


def expected_counts_by_action(period: ReportingPeriod, *, today: date | None = None) -> dict[int, dict]:
    """{action_id: outcome counts} for `period` (one query)."""
    return compliance_summary(period, "action_id", today=today)


def reference_period(plan, today: date | None = None) -> ReportingPeriod | None:
    """The period dashboards show compliance for by default: the latest whose
    deadline has passed (so that nothing in it is still due), else the first."""
    today = today or timezone.localdate()
    periods = ReportingPeriod.objects.filter(plan=plan)
    return (
        periods.filter(deadline__lt=today).order_by("-start").first()
        or periods.order_by("start").first()
    )


def with_compliance(members, period: ReportingPeriod, **filters):
    """Annotate a Member queryset with its compliance in `period`:
    `slots_expected`, `slots_on_time`, `slots_late`, `slots_missing`,
    `slots_excused`, `slots_due` and `compliance` (0..1, None where nothing
    counts), each a correlated aggregate over the expected slots, so the list
    can be filtered and sorted by compliance in the database."""
    slots = slots_for(period, **filters).filter(member_id=OuterRef("pk")).order_by().values("member_id")

    def count(outcome: str | None = None):
        aggregate = Count("pk", filter=Q(outcome=outcome)) if outcome else Count("pk")
        return Coalesce(Subquery(slots.annotate(n=aggregate).values("n")[:1], output_field=IntegerField()), 0)

    annotated = members.annotate(
        slots_expected=count(), slots_on_time=count(Outcome.ON_TIME), slots_late=count(Outcome.LATE),
        slots_missing=count(Outcome.MISSING), slots_excused=count(Outcome.EXCUSED), slots_due=count(Outcome.DUE),
    )
    denominator = F("slots_expected") - F("slots_due") - F("slots_excused")
    return annotated.annotate(
        compliance=Case(
            When(slots_expected__gt=F("slots_due") + F("slots_excused"),
                 then=Cast(F("slots_on_time"), FloatField()) / Cast(denominator, FloatField())),
            default=None,
            output_field=FloatField(),
        )
    )


def member_compliance_by_period(plan, member, *, up_to: date | None = None) -> list[tuple[ReportingPeriod, Figure]]:
    """One member's compliance in every period of the plan (two queries)."""
    return compliance_per_period(plan, up_to=up_to, member=member)


# The dashboards' names for the same one-query figures (kept for their callers).


def compliance_per_period(plan, *, up_to: date | None = None, goal: str | None = None, action: str | None = None,
                          member=None, today: date | None = None) -> list[tuple[ReportingPeriod, Figure]]:
    return compliance_by_period(plan, up_to=up_to, goal=goal, action=action, member=member, today=today)


def compliance_per_region(
    period: ReportingPeriod, *, goal=None, action=None, today=None
) -> list[tuple[Region, Figure]]:
    return compliance_by_region(period, goal=goal, action=action, today=today)


def compliance_per_member(period: ReportingPeriod, *, goal=None, action=None, today=None) -> dict[int, dict]:
    return compliance_by_member(period, goal=goal, action=action, today=today)


def _filters(goal: str | None = None, action: str | None = None, member=None) -> dict:
    """Lookups valid on both Participation and ProgressUpdate."""
    filters = {}
    if goal:
        filters["action__goal__code"] = goal
    if action:
        filters["action__code"] = action
    if member is not None:
        filters["member_id"] = getattr(member, "pk", member)
    return filters


def _counts(periods, group_by: str | None, *, goal=None, action=None, member=None, today=None) -> dict:
    return compliance_counts(periods, group_by, today=today, filters=_filters(goal, action, member))
