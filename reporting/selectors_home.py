"""Read paths for the two homes: a focal point's city and a secretariat
member's desk.

Every figure (progress, compliance, early warnings, what is overdue) comes from
the figures engine's result for the current plan; these functions only choose
what each person sees first. Each home costs a fixed number of queries
whatever the number of members, actions and updates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Count, Max, Min
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from actions.models import Action, Participation, Plan
from actions.translation import content_html, html_sentence
from members.models import Member
from reporting.figures import Figure, PlanFigures, compliance_figure, empty_counts, plan_figures
from reporting.figures import status_disagreements as engine_status_disagreements
from reporting.models import IndicatorValue, PeriodReopening, ProgressUpdate, ReminderSent
from reporting.selectors_updates import DueSlot, due_slots

TO_DO_SHOWN = 10
OLDEST_SHOWN = 5
OVERDUE_SHOWN = 12
FLAGS_SHOWN = 8


def current_plan(user) -> Plan | None:
    return Plan.objects.visible_to(user).current()


# --- a focal point's city ---------------------------------------------------------------------------


@dataclass
class LatestValue:
    """The member's most recent value for one indicator, with where it stands."""

    value: object  # Decimal, or None when "not available"
    not_available: bool
    period_code: str
    state: str
    update_id: int


@dataclass
class CityAction:
    action: object  # the engine's Action: progress, figure, indicator_list
    values: list[tuple[object, LatestValue | None]]  # (indicator, the member's latest value)
    latest_update: dict | None  # {"pk", "state", "period_code"} of the member's newest update


@dataclass
class CityHome:
    member: Member
    plan: Plan | None
    today: date
    to_do: list[DueSlot]  # missing, draft or returned in periods taking updates; overdue first
    waiting: list[DueSlot]  # submitted, waiting for the secretariat
    slots_total: int
    comments: list[ProgressUpdate]  # returned updates the member can still resubmit: the comment waits for them
    compliance: list[tuple[object, Figure, Figure]]  # (period, the city's figure, the network's)
    actions: list[CityAction]

    @property
    def overdue(self) -> int:
        return sum(1 for slot in self.to_do if slot.overdue)

    @property
    def to_do_shown(self) -> list[DueSlot]:
        """The most urgent first; the rest are on the updates page."""
        return self.to_do[:TO_DO_SHOWN]

    @property
    def to_do_more(self) -> int:
        return max(0, len(self.to_do) - TO_DO_SHOWN)


def city_home(member: Member, user, *, today: date | None = None) -> CityHome:
    """What a focal point of `member` sees first: what is due and returned,
    the reviewer's comments, the city's compliance against the network's, and
    the city's actions with their latest values."""
    today = today or timezone.localdate()
    plan = current_plan(user)
    slots = due_slots(member, today=today)
    # Returned updates of closed periods cannot be resubmitted: their comments stay on the update pages.
    returned = {slot.update_id for slot in slots if slot.state == ProgressUpdate.State.RETURNED}
    comments = list(
        ProgressUpdate.objects.filter(pk__in=returned)
        .select_related("action", "period", "reviewed_by")
        .order_by("-reviewed_at", "-pk")
    )
    home = CityHome(
        member=member, plan=plan, today=today,
        to_do=[slot for slot in slots if slot.needs_action],
        waiting=[slot for slot in slots if slot.state == ProgressUpdate.State.SUBMITTED],
        slots_total=len(slots), comments=comments, compliance=[], actions=[],
    )
    if plan is None:
        return home
    figures = plan_figures(plan)
    home.compliance = _city_compliance(figures, member, today)
    home.actions = _city_actions(figures, member)
    return home


def _city_compliance(figures: PlanFigures, member: Member, today: date) -> list[tuple[object, Figure, Figure]]:
    """The city's and the network's compliance per period, for the periods
    that have started."""
    network = dict(figures.compliance.per_period())
    return [
        (period, figure, network[period])
        for period, figure in figures.compliance.per_period(member=member)
        if period.start <= today
    ]


def _city_actions(figures: PlanFigures, member: Member) -> list[CityAction]:
    """The live actions `member` takes part in, each with its progress (the
    engine's) and the member's latest value of each indicator: three queries."""
    taking_part = set(
        Participation.objects.filter(member=member, action__goal__plan=figures.plan).values_list("action_id", flat=True)
    )
    actions = [action for action in figures.actions if action.pk in taking_part]
    indicator_ids = [indicator.pk for action in actions for indicator in action.indicator_list]
    latest: dict[int, LatestValue] = {}
    rows = (
        IndicatorValue.objects.filter(update__member=member, indicator_id__in=indicator_ids)
        .order_by("indicator_id", "-update__period__start")
        .values_list("indicator_id", "value", "not_available", "update__period__code", "update__state", "update_id")
    )
    for indicator_id, value, not_available, period_code, state, update_id in rows:
        if indicator_id not in latest:  # newest period first
            latest[indicator_id] = LatestValue(value, not_available, period_code, state, update_id)
    updates: dict[int, dict] = {}
    for pk, action_id, state, period_code in (
        ProgressUpdate.objects.filter(member=member, action_id__in=list(taking_part))
        .order_by("action_id", "-period__start")
        .values_list("pk", "action_id", "state", "period__code")
    ):
        updates.setdefault(action_id, {"pk": pk, "state": state, "period_code": period_code})
    return [
        CityAction(
            action=action,
            values=[(indicator, latest.get(indicator.pk)) for indicator in action.indicator_list],
            latest_update=updates.get(action.pk),
        )
        for action in actions
    ]


# --- a secretariat member's desk --------------------------------------------------------------------


@dataclass
class OverdueMember:
    member: dict  # {"pk", "slug", "name", "region__name"}
    period: object
    missing: int
    expected: int
    last_reminded: datetime | None


@dataclass
class OpenPeriod:
    period: object
    counts: dict  # the engine's outcome counts for the period
    figure: Figure

    @property
    def received(self) -> int:
        return self.counts["on_time"] + self.counts["late"] + self.counts["excused"]


@dataclass
class Flag:
    """Something on the plan staff should look at, with the figure behind it."""

    kind: str  # "early_warning", "status_disagreement"
    action: object
    title: str
    explanation: str


@dataclass
class LedAction:
    action: object  # the engine's Action: progress, figure, status
    compliance: Figure  # its expected updates of the reference period
    warnings: list


@dataclass
class StaffHome:
    plan: Plan | None
    today: date
    queue_count: int
    oldest_waiting_since: datetime | None
    oldest: list[ProgressUpdate]
    reopenings: list[PeriodReopening]
    open_periods: list[OpenPeriod] = field(default_factory=list)
    overdue: list[OverdueMember] = field(default_factory=list)  # (member, period) rows, most missing first
    overdue_total: int = 0  # members overdue in at least one open period
    reference_period: object | None = None  # the period the led actions' compliance is of
    led_actions: list[LedAction] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)
    flags_total: int = 0


def staff_home(user, *, today: date | None = None) -> StaffHome:
    """What a secretariat member sees first: the review queue (how many, the
    oldest), requests to reopen, the open periods and the members overdue in
    them, the actions they lead, and flags."""
    today = today or timezone.localdate()
    queue = ProgressUpdate.objects.visible_to(user).filter(state=ProgressUpdate.State.SUBMITTED)
    summary = queue.aggregate(n=Count("pk"), oldest=Min("submitted_at"))
    home = StaffHome(
        plan=current_plan(user), today=today,
        queue_count=summary["n"], oldest_waiting_since=summary["oldest"],
        oldest=list(
            queue.select_related("member", "action", "period").order_by("submitted_at", "pk")[:OLDEST_SHOWN]
        ),
        reopenings=list(
            PeriodReopening.objects.visible_to(user).filter(state=PeriodReopening.State.REQUESTED)
            .select_related("member", "period").order_by("requested_at")
        ),
    )
    if home.plan is None:
        return home
    figures = plan_figures(home.plan)
    open_periods = [period for period in figures.periods if period.is_open]
    home.open_periods = [
        OpenPeriod(period, figures.compliance.counts(period), figures.compliance.period_figure(period))
        for period in open_periods
    ]
    home.overdue, home.overdue_total = _overdue_members(figures, open_periods)
    reference = home.reference_period = figures.reference_period
    by_action = figures.compliance.action_counts(reference) if reference is not None else {}
    # The engine's objects are shared (cached): what this page adds goes on its own rows.
    home.led_actions = [
        LedAction(action, compliance_figure(by_action.get(action.pk, empty_counts())), figures.warnings_for([action]))
        for action in figures.actions if action.lead_id == user.pk
    ]
    flags = staff_flags(figures)
    home.flags, home.flags_total = flags[:FLAGS_SHOWN], len(flags)
    return home


def _overdue_members(figures: PlanFigures, periods) -> tuple[list[OverdueMember], int]:
    """Members with missing updates (past the deadline, not submitted) in the
    open periods, one row per member and period, most missing first, and how
    many members that is: the engine's counts, the members' names (one query)
    and when each was last reminded (one query)."""
    rows = []
    for period in periods:
        for member_id, counts in figures.compliance.member_counts(period).items():
            if counts["missing"]:
                rows.append((member_id, period, counts))
    if not rows:
        return [], 0
    rows.sort(key=lambda row: (-row[2]["missing"], row[1].start, row[0]))
    shown = rows[:OVERDUE_SHOWN]
    member_ids = {member_id for member_id, _period, _counts in shown}
    members = {
        row["pk"]: row
        for row in Member.objects.filter(pk__in=member_ids).values("pk", "slug", "name", "region__name")
    }
    reminded = {
        (member_id, period_id): when
        for member_id, period_id, when in ReminderSent.objects.filter(
            member_id__in=member_ids, period__in=[period for _m, period, _c in shown], sent_at__isnull=False
        ).order_by().values_list("member_id", "period_id").annotate(last=Max("sent_at"))
    }
    overdue = [
        OverdueMember(members[member_id], period, counts["missing"], counts["expected"],
                      reminded.get((member_id, period.pk)))
        for member_id, period, counts in shown
    ]
    overdue.sort(key=lambda row: (-row.missing, row.period.start, row.member["name"]))
    return overdue, len({member_id for member_id, _period, _counts in rows})


def status_disagreements(figures: PlanFigures) -> list[Flag]:
    """Actions whose typed status disagrees with the status their figures
    compute (the rule is the engine's: reporting.figures.status_disagreements);
    the typed status is kept as typed."""
    return [
        Flag(
            kind="status_disagreement", action=action,
            title=_("Typed %(typed)s, computed %(computed)s") % {
                "typed": action.get_status_display(), "computed": Action.Status(action.computed_status).label,
            },
            explanation=action.status_explanation,
        )
        for action in engine_status_disagreements(figures)
    ]


def staff_flags(figures: PlanFigures) -> list[Flag]:
    """Flags from the figures engine: status disagreements (see the slot
    above), then early warnings (an indicator's trend will not reach its
    target by the action's end)."""
    flags = status_disagreements(figures)
    for warning in figures.warnings:
        flags.append(Flag(
            kind="early_warning", action=warning.action,
            # HTML: the unit is plan content, marked with its language where it falls back (content_html).
            title=html_sentence(_("%(indicator)s projected at %(projected)s of %(target)s %(unit)s"), {
                "indicator": warning.indicator.code, "projected": number_format(warning.projected, 1),
                "target": number_format(warning.target, 1), "unit": content_html(warning.indicator, "unit"),
            }),
            explanation=warning.explanation_html,
        ))
    return flags
