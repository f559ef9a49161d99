"""The figures engine: every progress, compliance and early-warning figure of a
plan, with its explanation, from one fixed set of grouped queries.

    figures = plan_figures(plan)                  # as of now
    figures = plan_figures(plan, as_of=date(2022, 12, 31))   # as they stood then
    figures = plan_figures(plan, as_of=built_on, up_to=period.end)  # a report
    figures.progress                              # the plan's Figure
    figures.goal("2").progress, .figure           # a goal
    figures.action("2.1").indicator_list[0].series  # an indicator over time
    figures.compliance.period_figure(period)      # compliance with its math
    figures.compliance.member_counts(period)      # {member_id: counts}

Inputs: the approved indicator values (per indicator, member and period, with
their approval times; kept in step with approvals in ApprovedIndicatorValue,
approved.py) and the expected slots (reporting/figures/slots.py).
Rules: reporting/figures/rules.py. Pages, the API, reports and exports read
the result; ordering by a figure sorts this result.

"As of" a day, the figures are what they were at the end of that day:
progress counts the values approved by then (of periods ended by then, or by
`up_to` for a report on an earlier period); compliance counts the submissions
made by then, and what was due or missing that day. A report built with the
day it was asked for gives the same figures when it is rebuilt later.

The result is cached per plan under the figures version (cache.py), which
every change to an input bumps in the change's own transaction.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import cached_property, lru_cache

from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _

from actions.models import Action, Goal, Indicator, Milestone, Plan
from actions.translation import content_html, html_sentence
from members.models import Member, Region
from reporting.figures import cache, rules
from reporting.figures.figure import Figure
from reporting.figures.slots import add_counts, empty_counts, end_of_day, outcome_counts
from reporting.models import ApprovedIndicatorValue, ReportingPeriod

PROGRESS_RULE = gettext_lazy(
    "Indicator progress = (latest value − baseline) / (target − baseline), clamped to 0–100%; "
    "the latest value is the network's value in the latest period with approved values, added up as the "
    "indicator says (its rule is in its own explanation), "
    "and an indicator without approved values counts as 0%. Action progress = mean of its indicators "
    "(an action without indicators: completed 100%, not started 0%, otherwise 50%). Goal and plan progress = "
    "mean of their actions weighted by each action's weight; cancelled and retired actions are left out."
)
COMPLIANCE_RULE = gettext_lazy(
    "Compliance = updates first submitted by the deadline / updates expected. Expected: each member taking "
    "part in a live action whose dates overlap the period, while its membership was active and not suspended, "
    "left or exempted. Each expected update is on time, late, excused (late within a reopening staff granted), "
    "missing, or not yet due; updates not yet due and excused ones are left out of the denominator."
)


@dataclass
class SeriesPoint:
    """An indicator's network value in one period, added up by the
    indicator's rule; `members` values counted (`reported` of the period
    itself, `carried` forward from earlier periods) of `expected` members;
    `inputs` the values behind it (ExplainInput.as_dict()), `left_out` what
    was not counted and why."""

    period_code: str
    period_end: date
    value: float
    members: int
    reported: int = 0
    carried: int = 0
    expected: int | None = None
    inputs: list[dict] = field(default_factory=list)
    left_out: list[dict] = field(default_factory=list)


@dataclass(frozen=True)
class ApprovedValue:
    """One approved value of a member for an indicator in a period, as the
    engine reads it (`value` None: marked not available, with `reason`)."""

    indicator_id: int
    member_id: int
    member: str
    period_id: int
    value: float | None
    numerator: float | None
    denominator: float | None
    approved_at: object  # datetime
    reason: str = ""


@dataclass
class EarlyWarning:
    action: Action
    indicator: Indicator
    projected: float
    target: float
    points: int

    @property
    def explanation(self) -> str:
        """In the active language, numbers and the date written its way ("4,3" in French)."""
        return self._explanation() % self._explanation_values(self.indicator.unit)

    @property
    def explanation_html(self):
        """The same sentence for a page: its unit, plan content, marked with its
        language where it falls back to English (actions.translation)."""
        return html_sentence(self._explanation(), self._explanation_values(content_html(self.indicator, "unit")))

    @staticmethod
    def _explanation() -> str:
        return _(
            "Linear trend of %(points)s periods of approved values projects %(projected)s %(unit)s by "
            "%(end)s, short of the target %(target)s."
        )

    def _explanation_values(self, unit) -> dict:
        end = self.action.end_date
        return {
            "points": self.points, "projected": number_format(round(self.projected, 1), 1),
            "unit": unit, "end": date_format(end, "DATE_FORMAT") if isinstance(end, date) else end,
            "target": number_format(round(float(self.target), 1), 1),
        }


def compliance_figure(counts: dict) -> Figure:
    """A compliance Figure from outcome counts (slots.outcome_counts)."""
    left_out = []
    if counts.get("due"):
        left_out.append(_("%(n)s updates not yet due") % {"n": counts["due"]})
    if counts.get("excused"):
        left_out.append(_("%(n)s excused late updates") % {"n": counts["excused"]})
    return Figure(
        value=rules.compliance_rate(counts),
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


@dataclass
class ComplianceFigures:
    """Outcome counts of a plan's expected slots, per period and member and per
    period and action; regions and periods are sums of their members."""

    periods: list[ReportingPeriod]
    by_member: dict[tuple[int, int], dict]
    by_action: dict[tuple[int, int], dict]
    member_region: dict[int, int]
    regions: list[Region]
    by_period: dict[int, dict] = field(default_factory=dict)

    def __post_init__(self):
        grouped: dict[int, list[dict]] = defaultdict(list)
        for (period_id, _member_id), counts in self.by_member.items():
            grouped[period_id].append(counts)
        self.by_period = {period.pk: add_counts(grouped.get(period.pk, [])) for period in self.periods}

    def for_plan(self, plan_id: int) -> ComplianceFigures:
        """The part of these figures that belongs to one plan's periods."""
        ids = {period.pk for period in self.periods if period.plan_id == plan_id}
        return ComplianceFigures(
            periods=[period for period in self.periods if period.pk in ids],
            by_member={key: counts for key, counts in self.by_member.items() if key[0] in ids},
            by_action={key: counts for key, counts in self.by_action.items() if key[0] in ids},
            member_region=self.member_region, regions=self.regions,
        )

    def counts(self, period) -> dict:
        return self.by_period.get(getattr(period, "pk", period), empty_counts())

    def period_figure(self, period) -> Figure:
        return compliance_figure(self.counts(period))

    def per_period(self, *, up_to: date | None = None, member=None) -> list[tuple[ReportingPeriod, Figure]]:
        """One figure per period (of one member, if given), oldest first."""
        member_id = getattr(member, "pk", member)
        rows = []
        for period in self.periods:
            if up_to is not None and period.start > up_to:
                continue
            if member_id is None:
                counts = self.counts(period)
            else:
                counts = self.by_member.get((period.pk, member_id), empty_counts())
            rows.append((period, compliance_figure(counts)))
        return rows

    # The counts indexed by period, made once per cached result (a page reads
    # a few periods; without the index each read went over every member's
    # counts of every period: 170,000 at 100×).

    @staticmethod
    def _by_period(counts: dict[tuple[int, int], dict]) -> dict[int, dict[int, dict]]:
        """{(period_id, key): counts} as {period_id: {key: counts}}."""
        index: dict[int, dict[int, dict]] = defaultdict(dict)
        for (period_id, key), value in counts.items():
            index[period_id][key] = value
        return index

    @cached_property
    def _members_by_period(self) -> dict[int, dict[int, dict]]:
        return self._by_period(self.by_member)

    @cached_property
    def _actions_by_period(self) -> dict[int, dict[int, dict]]:
        return self._by_period(self.by_action)

    @cached_property
    def _regions_by_period(self) -> dict[int, dict[int, dict]]:
        return {}

    def member_counts(self, period) -> dict[int, dict]:
        """{member_id: counts} of the members expected in `period`."""
        return dict(self._members_by_period.get(getattr(period, "pk", period), {}))

    def action_counts(self, period) -> dict[int, dict]:
        return dict(self._actions_by_period.get(getattr(period, "pk", period), {}))

    def region_counts(self, period) -> dict[int, dict]:
        period_id = getattr(period, "pk", period)
        sums = self._regions_by_period.get(period_id)
        if sums is None:
            grouped: dict[int, list[dict]] = defaultdict(list)
            for member_id, counts in self._members_by_period.get(period_id, {}).items():
                grouped[self.member_region[member_id]].append(counts)
            sums = self._regions_by_period[period_id] = {
                region_id: add_counts(rows) for region_id, rows in grouped.items()}
        return dict(sums)

    def per_region(self, period) -> list[tuple[Region, Figure]]:
        sums = self.region_counts(period)
        return [(region, compliance_figure(sums[region.pk])) for region in self.regions if region.pk in sums]


@dataclass
class PlanFigures:
    """Every figure of a plan at once. Goals, actions and indicators are model
    instances carrying their figures as attributes:

    - indicator: latest_value, latest_period_end, latest_members, progress,
      series (list of SeriesPoint), milestone_list, figure, period_targets
      ({period code: target}), period_target, period_progress, end_progress,
      trend_reaches, computed_status, status_explanation;
    - action: progress, figure, indicator_list, indicator_count, counted,
      computed_status, status_disagrees, status_explanation;
    - goal: progress, figure, action_list, action_count.
    """

    plan: Plan
    as_of: date | None  # None: now
    up_to: date | None  # periods ending after this day are left out of progress
    on: date  # the day compliance is counted on: as_of, or today
    progress: Figure
    goals: list[Goal]  # live ones; all_goals, all_actions, all_indicators include the retired
    actions: list[Action]
    indicators: list[Indicator]
    all_goals: list[Goal]
    all_actions: list[Action]
    all_indicators: list[Indicator]
    periods: list[ReportingPeriod]
    warnings: list[EarlyWarning]
    compliance: ComplianceFigures
    status_counts: dict[str, int]

    def goal(self, code: str) -> Goal | None:
        return next((goal for goal in self.goals if goal.code == code), None)

    def action(self, code: str) -> Action | None:
        return next((action for action in self.actions if action.code == code), None)

    def goal_by_pk(self) -> dict[int, Goal]:
        return {goal.pk: goal for goal in self.all_goals}

    def action_by_pk(self) -> dict[int, Action]:
        return {action.pk: action for action in self.all_actions}

    def indicator_by_pk(self) -> dict[int, Indicator]:
        return {indicator.pk: indicator for indicator in self.all_indicators}

    @property
    def reference_period(self) -> ReportingPeriod | None:
        return rules.reference_period(self.periods, self.on)

    def period(self, code: str | None) -> ReportingPeriod | None:
        """The period named `code`, else the reference period."""
        if code:
            for period in self.periods:
                if period.code == code:
                    return period
        return self.reference_period

    @property
    def elapsed(self) -> float:
        return rules.elapsed_fraction(self.plan.start_date, self.plan.end_date, self.as_of or timezone.localdate())

    @property
    def status_mix(self) -> list[tuple[str, str, int]]:
        """(status, label, count of live actions) for every status, in order."""
        return [(value, label, self.status_counts.get(value, 0)) for value, label in Action.Status.choices]

    def status_disagreements(self) -> list[Action]:
        """Live actions whose typed status disagrees with the status computed
        from their indicators (action.computed_status, .status_explanation)."""
        return [action for action in self.actions if action.status_disagrees]

    def warnings_for(self, actions) -> list[EarlyWarning]:
        ids = {action.pk for action in actions}
        return [warning for warning in self.warnings if warning.action.pk in ids]


def plan_figures(plan: Plan, *, as_of: date | None = None, up_to: date | None = None) -> PlanFigures:
    """The figures of `plan` (see the module's docstring), from the cache when
    its inputs have not changed since it was computed."""
    return plans_figures([plan], as_of=as_of, up_to=up_to)[plan.pk]


def plans_figures(plans, *, as_of: date | None = None, up_to: date | None = None) -> dict[int, PlanFigures]:
    """{plan id: PlanFigures} for several plans, those the cache does not hold
    computed together (the same queries as for one plan)."""
    plans = {plan.pk: plan for plan in plans}
    on = as_of or timezone.localdate()

    def compute(missing_ids):
        return {figures.plan.pk: figures
                for figures in _compute([plans[pk] for pk in missing_ids], as_of, up_to, on)}

    return cache.cached_many("plan", list(plans), (as_of, up_to, on, _quarter_hour(as_of)), compute)


def status_disagreements(figures: PlanFigures) -> list[Action]:
    """Actions whose typed status and computed status disagree (for the staff
    home and the review queue); the typed status is never changed."""
    return figures.status_disagreements()


def compliance_figures(figures: PlanFigures, *, goal: str | None = None,
                       action: str | None = None) -> ComplianceFigures:
    """The plan's compliance, or that of one goal's or one action's expected
    updates (codes): the same rule over fewer slots."""
    if not goal and not action:
        return figures.compliance
    filters = {}
    if goal:
        filters["action__goal__code"] = goal
    if action:
        filters["action__code"] = action

    def compute(_ids):
        by_member = outcome_counts(figures.periods, ("member_id",), today=figures.on, as_of=figures.on,
                                   filters=filters)
        return {figures.plan.pk: ComplianceFigures(
            periods=figures.periods, by_member=by_member, by_action={},
            member_region=figures.compliance.member_region, regions=figures.compliance.regions,
        )}

    kind = f"compliance-{goal or ''}-{action or ''}"
    params = (figures.as_of, figures.up_to, figures.on, _quarter_hour(figures.as_of))
    return cache.cached_many(kind, [figures.plan.pk], params, compute)[figures.plan.pk]


def _quarter_hour(as_of: date | None) -> str:
    """For figures of now, the current quarter of an hour (UTC): what is due or
    missing changes at midnight in a member's time zone, and every zone's
    midnight falls on a quarter of an hour, so figures computed in the same
    quarter are the same. Figures as of a past day need nothing more."""
    if as_of is not None:
        return ""
    now = timezone.now()
    return now.strftime("%Y%m%dT%H") + f"{now.minute // 15}"


def approved_values(plan_ids: list[int], as_of: date | None, up_to: date | None) -> dict[int, list[ApprovedValue]]:
    """{indicator_id: [ApprovedValue]}: the engine's one reading of approved
    values (approved by `as_of`, of periods ended by then and by `up_to`),
    one query on the approved values kept in step with the approvals
    (approved.py; with the periods and members, never the updates). Every
    indicator figure is computed from these rows alone."""
    values = ApprovedIndicatorValue.objects.filter(period__plan__in=plan_ids)
    if as_of is not None:
        values = values.filter(period__end__lte=as_of, approved_at__lt=end_of_day(as_of))
    if up_to is not None:
        values = values.filter(period__end__lte=up_to)
    rows = values.order_by().values_list(
        "indicator_id", "member_id", "member__name", "period_id", "value", "numerator", "denominator",
        "approved_at", "not_available_reason",
    )
    found: dict[int, list[ApprovedValue]] = defaultdict(list)
    for indicator_id, member_id, member, period_id, value, top, bottom, approved_at, reason in rows:
        found[indicator_id].append(ApprovedValue(
            indicator_id, member_id, member, period_id, _float(value), _float(top), _float(bottom), approved_at,
            reason,
        ))
    return found


def _float(value) -> float | None:
    return None if value is None else float(value)


def _indicator_series(indicator: Indicator, values: list[ApprovedValue], periods: list[ReportingPeriod],
                      expected: dict[tuple[int, int], dict]) -> list[SeriesPoint]:
    """The indicator's network value per period (oldest first), by its rule
    (rules.py): members' values of each period, each member that did not
    report counted with its latest approved value for `carry_forward`
    periods, added up across members, then over time. Periods from the first
    to the last with an approved value."""
    index_of = {period.pk: index for index, period in enumerate(periods)}
    own: dict[int, dict[int, ApprovedValue]] = defaultdict(dict)
    unavailable: dict[int, list[ApprovedValue]] = defaultdict(list)
    for row in values:
        if row.period_id not in index_of:
            continue
        if row.value is None:
            unavailable[index_of[row.period_id]].append(row)
        else:
            own[row.member_id][index_of[row.period_id]] = row
    if not own:
        return []
    indices = [index for by_period in own.values() for index in by_period]
    first, last = min(indices), max(indices)
    carry = indicator.carry_forward
    counted = {member_id: rules.carried_forward(by_period, last + 1, carry) for member_id, by_period in own.items()}
    ratio = indicator.measure == Indicator.Measure.RATIO
    threshold = None if indicator.threshold is None else float(indicator.threshold)
    period_values, details = [], []
    for index in range(first, last + 1):
        period = periods[index]
        used = [counted[member_id][index] for member_id in counted if index in counted[member_id]]
        used.sort(key=lambda pair: pair[0].member)
        if ratio:
            value = rules.ratio_of([(row.numerator, row.denominator) for row, _source in used
                                    if row.numerator is not None and row.denominator])
            value = None if value is None else value * indicator.ratio_scale
        else:
            value = rules.across_members([row.value for row, _source in used], indicator.across,
                                         threshold=threshold, direction=indicator.direction)
        details.append((index, period, value, used))
        period_values.append(value)
    cumulative = rules.over_time(period_values, indicator.over_time)

    def left_out_of(index: int, period: ReportingPeriod) -> list[dict]:
        left_out = [{"member": row.member, "period": period.code, "reason": _("not available: %(reason)s") % {
            "reason": row.reason}} for row in sorted(unavailable.get(index, []), key=lambda r: r.member)]
        for member_id, by_period in own.items():
            earlier = [i for i in by_period if i < index]
            if index not in counted[member_id] and earlier:
                row = by_period[max(earlier)]
                left_out.append({"member": row.member, "period": periods[max(earlier)].code, "reason": ngettext(
                    "its latest approved value is more than %(n)s period old",
                    "its latest approved value is more than %(n)s periods old", carry) % {"n": carry}})
        return left_out

    # The values behind a point are kept only where a figure shows them (the
    # latest point; every point of a running total): the rest would hold every
    # member's value of every period in memory for nothing.
    shown_at = [position for position, value in enumerate(cumulative) if value is not None]
    explained = set(shown_at) if indicator.over_time == Indicator.OverTime.CUMULATIVE else set(shown_at[-1:])
    points = []
    for position, ((index, period, _own_value, used), value) in enumerate(zip(details, cumulative, strict=True)):
        if value is None:
            continue
        reported = sum(1 for _row, source in used if source is None)
        explain = position in explained
        points.append(SeriesPoint(
            period.code, period.end, value, len(used), reported=reported, carried=len(used) - reported,
            expected=expected.get((period.pk, indicator.action_id), {}).get("expected"),
            inputs=[_input(row, periods, source) for row, source in used] if explain else [],
            left_out=left_out_of(index, period) if explain else [],
        ))
    return points


def _input(row: ApprovedValue, periods: list[ReportingPeriod], source: int | None) -> dict:
    own_period = periods[source].code if source is not None else next(
        (p.code for p in periods if p.pk == row.period_id), "")
    return {
        "member": row.member, "period": own_period, "value": row.value, "numerator": row.numerator,
        "denominator": row.denominator, "approved_at": row.approved_at, "carried_forward": source is not None,
    }


def _decimal(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(round(value, 10)))


def _compute(plans: list[Plan], as_of: date | None, up_to: date | None, on: date) -> list[PlanFigures]:
    """The figures of `plans` in a fixed number of queries: plan content (4),
    approved values grouped per indicator and period (1), outcome counts of the
    expected slots per period and member and per period and action (2), and
    members' regions and the regions (2)."""
    if not plans:
        return []
    ids = [plan.pk for plan in plans]
    periods = list(ReportingPeriod.objects.filter(plan__in=ids).order_by("start"))
    goals = list(Goal.objects.filter(plan__in=ids).order_by("order", "code"))
    actions = list(Action.objects.filter(goal__plan__in=ids).order_by("goal__order", "order", "code"))
    indicators = list(
        Indicator.objects.filter(action__goal__plan__in=ids)
        .order_by("action__goal__order", "action__order", "action__code", "order", "code")
    )
    milestones: dict[int, list[Milestone]] = defaultdict(list)
    for milestone in Milestone.objects.filter(indicator__action__goal__plan__in=ids).order_by("year"):
        milestones[milestone.indicator_id].append(milestone)
    values = approved_values(ids, as_of, up_to)
    compliance = _compliance(periods, on)
    plan_of = {plan.pk: plan for plan in plans}
    periods_of: dict[int, list[ReportingPeriod]] = defaultdict(list)
    for period in periods:
        periods_of[period.plan_id].append(period)

    goal_of = {goal.pk: goal for goal in goals}
    action_of = {action.pk: action for action in actions}
    for action in actions:
        action.goal = goal_of[action.goal_id]
        action.indicator_list = []
    for indicator in indicators:
        indicator.action = action_of[indicator.action_id]
        plan = plan_of[indicator.action.goal.plan_id]
        points = _indicator_series(indicator, values.get(indicator.pk, []), periods_of[plan.pk],
                                   compliance.by_action)
        latest = points[-1] if points else None
        indicator.series = points
        indicator.milestone_list = milestones.get(indicator.pk, [])
        indicator.latest_value = _decimal(latest.value) if latest else None
        indicator.latest_period_end = latest.period_end if latest else None
        indicator.latest_period_code = latest.period_code if latest else None
        indicator.latest_members = latest.members if latest else None
        indicator.progress = rules.indicator_progress(latest.value if latest else None,
                                                      indicator.baseline, indicator.target)
        _targets_and_status(indicator, plan, periods_of[plan.pk])
        indicator.figure = _indicator_figure(indicator)
        indicator.live = not indicator.retired and not indicator.action.retired
        if not indicator.retired:
            indicator.action.indicator_list.append(indicator)

    for action in actions:
        action.progress = rules.action_progress([i.progress for i in action.indicator_list], action.status)
        action.counted = not action.retired and action.status != Action.Status.CANCELLED
        action.indicator_count = len(action.indicator_list)
        _action_status(action)
        action.figure = _action_figure(action)
    for goal in goals:
        own = [action for action in actions if action.goal_id == goal.pk]
        goal.action_list = [action for action in own if not action.retired]
        goal.progress = rules.weighted_mean((a.progress, a.weight) for a in own if a.counted)
        goal.action_count = len(goal.action_list) or None
        goal.figure = _progress_figure(goal.progress, own, group=True)

    result = []
    for plan in plans:
        plan_goals = [goal for goal in goals if goal.plan_id == plan.pk]
        plan_actions = [action for action in actions if action.goal.plan_id == plan.pk]
        live = [action for action in plan_actions if not action.retired]
        plan_indicators = [i for i in indicators if i.action.goal.plan_id == plan.pk]
        status_counts: dict[str, int] = defaultdict(int)
        for action in live:
            status_counts[action.status] += 1
        progress = rules.weighted_mean((a.progress, a.weight) for a in plan_actions if a.counted)
        result.append(PlanFigures(
            plan=plan, as_of=as_of, up_to=up_to, on=on,
            progress=_progress_figure(progress, plan_actions, group=True),
            all_goals=plan_goals, all_actions=plan_actions, all_indicators=plan_indicators,
            goals=[goal for goal in plan_goals if not goal.retired],
            actions=live,
            indicators=[indicator for indicator in plan_indicators if indicator.live],
            periods=[period for period in periods if period.plan_id == plan.pk],
            warnings=_early_warnings(plan, [i for i in plan_indicators if i.live]),
            compliance=compliance.for_plan(plan.pk),
            status_counts=dict(status_counts),
        ))
    return result


def _compliance(periods: list[ReportingPeriod], on: date) -> ComplianceFigures:
    by_member = outcome_counts(periods, ("member_id",), today=on, as_of=on)
    by_action = outcome_counts(periods, ("action_id",), today=on, as_of=on)
    members = {member_id for _period_id, member_id in by_member}
    member_region = dict(Member.objects.filter(pk__in=members).values_list("pk", "region_id"))
    return ComplianceFigures(
        periods=periods, by_member=by_member, by_action=by_action, member_region=member_region,
        regions=list(Region.objects.order_by("order", "name")),
    )


ACROSS_TEXT = {
    Indicator.Across.SUM: gettext_lazy("the sum of members' values"),
    Indicator.Across.MEAN: gettext_lazy("the mean of members' values"),
    Indicator.Across.MEDIAN: gettext_lazy("the median of members' values"),
    Indicator.Across.SHARE: gettext_lazy("the share of members whose value reaches %(threshold)s"),
}
OVER_TIME_TEXT = {
    Indicator.OverTime.PERIOD: gettext_lazy("each period stands on its own"),
    Indicator.OverTime.CUMULATIVE: gettext_lazy("a running total of the periods' values"),
    Indicator.OverTime.LATEST: gettext_lazy("the latest value to date"),
}


def indicator_rule(indicator: Indicator) -> str:
    """How the indicator's values add up, in the active language."""
    if indicator.measure == Indicator.Measure.RATIO:
        across = _("the sum of members' numerators divided by the sum of their denominators")
    else:
        across = str(ACROSS_TEXT[indicator.across]) % {
            "threshold": number_format(indicator.threshold or 0, indicator.display_decimals)}
    carry = ngettext(
        "A member that did not report counts with its latest approved value for %(n)s period after it.",
        "A member that did not report counts with its latest approved value for %(n)s periods after it.",
        indicator.carry_forward,
    ) % {"n": indicator.carry_forward}
    return _(
        "Network value in a period = %(across)s; over time, %(over_time)s. %(carry)s Progress = (latest value − "
        "baseline) / (target − baseline), clamped to 0–100%%."
    ) % {"across": across, "over_time": OVER_TIME_TEXT[indicator.over_time], "carry": carry}


def shown(indicator: Indicator, value, *, member: bool = False) -> str:
    """A value of `indicator` as pages show it: its decimals (counts whole), a
    scale's step by name; a `member`'s yes/no value as yes or no (the
    network's is a number: how many said yes, or their share)."""
    if value is None:
        return ""
    if indicator.measure == Indicator.Measure.QUALITATIVE and float(value).is_integer():
        return indicator.step_name(value) or number_format(value, 0)
    if member and indicator.measure == Indicator.Measure.YES_NO and float(value) in (0, 1):
        return _("yes") if float(value) == 1 else _("no")
    return number_format(round(float(value), indicator.display_decimals), indicator.display_decimals)


@lru_cache(maxsize=4096)
def _approved_day(moment: datetime, language: str | None, zone: str) -> str:
    """An approval's day in the language's format and the reader's time zone
    (approvals share moments: a bulk approval gives many values the same one)."""
    return date_format(timezone.localtime(moment), "DATE_FORMAT")


def _input_texts(indicator: Indicator, rows) -> list[str]:
    """Each value behind a figure as a sentence. The language, the zone and
    the two sentences are looked up once for all the rows (a cold pass of the
    engine writes ~83,000 of them at 10x; looked up per row they were half its
    Python time in the open-data package's build)."""
    language, zone = get_language(), timezone.get_current_timezone_name()
    carried = _("%(member)s, %(period)s: %(value)s (approved %(approved)s), carried forward")
    plain = _("%(member)s, %(period)s: %(value)s (approved %(approved)s)")
    texts = []
    for row in rows:
        value = shown(indicator, row["value"], member=True)
        if row["numerator"] is not None:
            value = f"{number_format(row['numerator'], 2)} / {number_format(row['denominator'], 2)}"
        numbers = {"member": row["member"], "period": row["period"], "value": value,
                   "approved": _approved_day(row["approved_at"], language, zone) if row["approved_at"] else "?"}
        texts.append((carried if row["carried_forward"] else plain) % numbers)
    return texts


def _indicator_figure(indicator: Indicator) -> Figure:
    """The indicator's progress with its numbers: each value behind the latest
    value (for a running total, behind every period's), the rule, the result,
    what was left out and why, and coverage."""
    rule = indicator_rule(indicator)
    if indicator.latest_value is None:
        return Figure(value=indicator.progress, rule=rule, inputs=[_("No approved value yet: counted as 0%.")],
                      status=_status_dict(indicator))
    latest = indicator.series[-1]
    behind = indicator.series if indicator.over_time == Indicator.OverTime.CUMULATIVE else [latest]
    details = [row for point in behind for row in point.inputs]
    left_out = [row for point in behind for row in point.left_out]
    sentence = _("Network value in %(period)s: %(value)s %(unit)s from %(n)s members; progress %(progress)s%%.")
    numbers = {"period": latest.period_code, "value": shown(indicator, latest.value), "n": latest.members,
               "progress": round(indicator.progress * 100)}
    result = sentence % {**numbers, "unit": indicator.unit}
    result_html = html_sentence(sentence, {**numbers, "unit": content_html(indicator, "unit")})
    return Figure(
        value=indicator.progress, rule=rule,
        inputs=_input_texts(indicator, details),
        left_out=[f"{row['member']}, {row['period']}: {row['reason']}" for row in left_out],
        covered=latest.reported, expected=latest.expected, carried=latest.carried,
        details=details, left_out_details=left_out, result=result, result_html=result_html,
        status=_status_dict(indicator),
    )


def _status_dict(item) -> dict | None:
    if getattr(item, "computed_status", None) is None:
        return None
    return {
        "status": item.computed_status, "label": str(Action.Status(item.computed_status).label),
        "explanation": item.status_explanation,
        **({"typed": item.status, "typed_label": item.get_status_display(), "disagrees": item.status_disagrees}
           if isinstance(item, Action) else {}),
    }


def _target_line(indicator: Indicator, plan: Plan) -> list[tuple[int, float]]:
    """(day ordinal, value): the baseline at the plan's start, each yearly
    milestone at the end of its year, the target at the action's end."""
    points = {plan.start_date.toordinal(): float(indicator.baseline)}
    for milestone in indicator.milestone_list:
        points[date(milestone.year, 12, 31).toordinal()] = float(milestone.value)
    points[indicator.action.end_date.toordinal()] = float(indicator.target)
    return sorted(points.items())


def _targets_and_status(indicator: Indicator, plan: Plan, periods: list[ReportingPeriod]) -> None:
    """Period targets (milestones, interpolated between them), progress
    against the latest value's period target and the end target, the trend
    and the computed status, with its explanation."""
    line = _target_line(indicator, plan)
    indicator.period_targets = {period.code: rules.interpolate(line, period.end.toordinal()) for period in periods}
    baseline, target = float(indicator.baseline), float(indicator.target)
    latest = indicator.series[-1] if indicator.series else None
    indicator.period_target = indicator.period_targets.get(latest.period_code) if latest else None
    indicator.period_progress = indicator.end_progress = indicator.trend_reaches = None
    indicator.computed_status, indicator.status_explanation = None, ""
    if latest is None:
        return
    indicator.end_progress = rules.progress_towards(latest.value, baseline, target)
    indicator.period_progress = rules.progress_towards(latest.value, baseline, indicator.period_target)
    if indicator.period_progress is None:  # the period's target is the baseline: reached or not
        reached = rules.reaches(latest.value, indicator.period_target, indicator.direction)
        indicator.period_progress = 1.0 if reached else 0.0
    if len(indicator.series) >= 2:
        projected = rules.linear_projection(
            [((p.period_end - plan.start_date).days, p.value) for p in indicator.series],
            (indicator.action.end_date - plan.start_date).days)
        if projected is not None:
            indicator.trend_reaches = not rules.falls_short(projected, target, indicator.direction)
    on_track, at_risk = settings.FIGURES_STATUS_ON_TRACK, settings.FIGURES_STATUS_AT_RISK
    indicator.computed_status = rules.computed_status(
        indicator.period_progress, end_progress=indicator.end_progress, trend_reaches=indicator.trend_reaches,
        on_track=on_track, at_risk=at_risk)
    trend = {True: _("the trend reaches the end target"), False: _("the trend falls short of the end target"),
             None: _("too few periods for a trend")}[indicator.trend_reaches]
    indicator.status_explanation = _(
        "%(code)s: %(value)s in %(period)s against the period's target %(period_target)s, %(share)s%% of the way "
        "from the baseline %(baseline)s (end target %(target)s); %(trend)s. On track from %(on)s%%, at risk from "
        "%(risk)s%% or while the trend reaches the end target, off track below: %(status)s."
    ) % {
        "code": indicator.code, "value": shown(indicator, latest.value), "period": latest.period_code,
        "period_target": number_format(round(indicator.period_target, 2), 2),
        "share": round(indicator.period_progress * 100), "baseline": number_format(baseline, 2),
        "target": number_format(target, 2), "trend": trend, "on": round(on_track * 100),
        "risk": round(at_risk * 100), "status": Action.Status(indicator.computed_status).label,
    }


def _action_status(action: Action) -> None:
    """The action's computed status: its worst indicator's; whether the typed
    status disagrees (the typed one is never changed)."""
    rated = [indicator for indicator in action.indicator_list if indicator.computed_status]
    action.computed_status = rules.worst_status([indicator.computed_status for indicator in rated])
    action.status_disagrees = action.counted and rules.status_disagrees(
        action.status, action.computed_status, end_progress=action.progress if action.indicator_list else None)
    action.status_explanation = " ".join(indicator.status_explanation for indicator in rated)
    if action.computed_status is not None:
        action.status_explanation = _("Computed from its indicators, the worst of them: %(details)s") % {
            "details": action.status_explanation}
        if action.status_disagrees:
            action.status_explanation += " " + _("The typed status (%(typed)s) disagrees; it is kept as typed.") % {
                "typed": action.get_status_display()}


def _action_figure(action: Action) -> Figure:
    figure = _progress_figure(action.progress, [action], group=False)
    figure.status = _status_dict(action)
    if not action.indicator_list:
        figure.inputs = [_("No indicators: progress from the status (%(status)s)") % {
            "status": action.get_status_display()
        }]
        figure.expected = figure.covered = None
    if not action.counted:
        figure.left_out.insert(0, _("This action is cancelled or retired: it does not count in its goal's progress."))
    return figure


def _progress_figure(value: float | None, actions: list[Action], *, group: bool) -> Figure:
    """A progress Figure over `actions`: one action's, or a goal's or the plan's
    (`group`), which name the actions left out."""
    counted = [action for action in actions if action.counted]
    indicators = sorted((i for action in counted for i in action.indicator_list), key=lambda i: i.code)
    return progress_figure(
        value, actions=len(counted), actions_left_out=len(actions) - len(counted) if group else 0,
        indicators=len(indicators),
        without_values=[indicator.code for indicator in indicators if indicator.latest_value is None], group=group,
    )


def progress_figure(value: float | None, *, actions: int, actions_left_out: int, indicators: int,
                    without_values: list[str], group: bool) -> Figure:
    """A progress Figure from its counts alone (no database): what a report's
    frozen snapshot keeps, explained again in the reader's language."""
    left_out = []
    if group and actions_left_out:
        left_out.append(_("%(n)s cancelled or retired actions") % {"n": actions_left_out})
    if without_values:
        left_out.append(_("Indicators without approved values (counted as 0%%): %(codes)s") % {
            "codes": ", ".join(without_values)
        })
    inputs = [_("%(n)s indicators") % {"n": indicators}]
    if group:
        inputs.insert(0, _("%(n)s actions") % {"n": actions})
    return Figure(
        value=value, rule=PROGRESS_RULE, inputs=inputs, left_out=left_out,
        covered=indicators - len(without_values), expected=indicators,
        coverage_label=_("approved data for indicators"),
    )


def _early_warnings(plan: Plan, indicators: list[Indicator]) -> list[EarlyWarning]:
    """Actions whose indicators' trend will not reach the target by the
    action's end: a straight line through the indicator's series (at least two
    periods), extended to the action's end date. Completed and cancelled
    actions are not flagged."""
    warnings = []
    for indicator in indicators:
        action = indicator.action
        if action.status in (Action.Status.COMPLETED, Action.Status.CANCELLED) or len(indicator.series) < 2:
            continue
        points = [((point.period_end - plan.start_date).days, point.value) for point in indicator.series]
        projected = rules.linear_projection(points, (action.end_date - plan.start_date).days)
        if projected is None:
            continue
        target = float(indicator.target)
        if rules.falls_short(projected, target, indicator.direction):
            warnings.append(EarlyWarning(action, indicator, projected, target, len(points)))
    warnings.sort(key=lambda w: (w.action.goal.order, w.action.order, w.action.code, w.indicator.code))
    return warnings
