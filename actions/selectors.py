"""Read paths of the plan: figures (progress, early warning) shared by the
dashboards, the API and the reports, so the same number is the same everywhere.
(The outline of a plan is in actions.outline; an action's history and "what
changed since" are in actions.history.)"""


from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.apps import apps
from django.db.models import Avg, Count, Exists, ExpressionWrapper, F, FloatField, OuterRef, Q, Value
from django.db.models.functions import Cast, Coalesce, Greatest, Least
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from actions.models import Action, Goal, Indicator, Plan
from actions.querysets import STATUS_PROGRESS, STATUS_PROGRESS_DEFAULT, elapsed_fraction, latest_approved_values
from metroplan.figures import Figure

PROGRESS_RULE = gettext_lazy(
    "Indicator progress = (latest approved value − baseline) / (target − baseline), clamped to 0–100%; "
    "the latest approved value is the mean of members' approved values in the latest period that has any, "
    "and an indicator without approved values counts as 0%. Action progress = mean of its indicators "
    "(an action without indicators: completed 100%, not started 0%, otherwise 50%). Goal and plan progress = "
    "mean of their actions weighted by each action's weight; cancelled and retired actions are left out."
)


def plan_progress(plan: Plan, as_of: date | None = None) -> Figure:
    return progress_tree(plan, as_of).plan


def goals_progress(plan: Plan, as_of: date | None = None) -> list[Goal]:
    """The plan's live goals with `progress` and `action_count`."""
    return progress_tree(plan, as_of).goals


def actions_progress(plan: Plan, as_of: date | None = None):
    """The plan's live actions with `progress` annotated."""
    return (
        Action.objects.in_plan(plan)
        .active()
        .with_progress(as_of)
        .select_related("goal")
        .order_by("goal__order", "order", "code")
    )


def plan_elapsed(plan: Plan, today: date | None = None) -> float:
    return elapsed_fraction(plan.start_date, plan.end_date, today or timezone.localdate())


def status_mix(plan: Plan) -> list[tuple[str, str, int]]:
    """(status, label, count) for every status, in the order of Action.Status."""
    counts = Action.objects.in_plan(plan).status_mix()
    return [(value, label, counts.get(value, 0)) for value, label in Action.Status.choices]


@dataclass
class EarlyWarning:
    action: Action
    indicator: Indicator
    projected: float
    target: float
    points: int

    @property
    def explanation(self) -> str:
        return _(
            "Linear trend of %(points)s periods of approved values projects %(projected).1f %(unit)s by "
            "%(end)s, short of the target %(target).1f."
        ) % {
            "points": self.points, "projected": self.projected, "unit": self.indicator.unit,
            "end": self.action.end_date, "target": self.target,
        }


def _linear_projection(points: list[tuple[float, float]], x_target: float) -> float | None:
    n = len(points)
    if n < 2:
        return None
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    var_x = sum((x - mean_x) ** 2 for x, _ in points)
    if var_x == 0:
        return None
    slope = sum((x - mean_x) * (y - mean_y) for x, y in points) / var_x
    return mean_y + slope * (x_target - mean_x)


def early_warnings(plan: Plan, as_of: date | None = None, *, tree: ProgressTree | None = None) -> list[EarlyWarning]:
    """Actions whose indicators' trend will not reach the target by the action's end.

    The series per indicator is the mean approved value per period (aggregated in
    the database, one query, or taken from the page's `progress_tree`); a
    straight line through it is extended to the action's end date. Completed and
    cancelled actions are not flagged; an indicator needs approved values in at
    least two periods.
    """
    if tree is not None:
        candidates = [i for i in tree.indicators if i.action.status not in ("completed", "cancelled")]
        return _warnings_from_series(plan, tree.series, candidates)
    IndicatorValue = apps.get_model("reporting", "IndicatorValue")
    values = IndicatorValue.objects.filter(
        update__state="approved", value__isnull=False, indicator__retired=False,
        indicator__action__goal__plan=plan, indicator__action__retired=False,
    ).exclude(indicator__action__status__in=["completed", "cancelled"])
    if as_of is not None:
        values = values.filter(update__period__end__lte=as_of)
    series: dict[int, list[tuple[date, float]]] = {}
    for row in (
        values.order_by()
        .values("indicator_id", "update__period__end")
        .annotate(mean=Avg("value"))
        .order_by("indicator_id", "update__period__end")
    ):
        series.setdefault(row["indicator_id"], []).append((row["update__period__end"], float(row["mean"])))
    if not series:
        return []
    indicators = Indicator.objects.filter(pk__in=series).select_related("action", "action__goal")
    return _warnings_from_series(plan, series, indicators)


def _warnings_from_series(plan: Plan, series: dict, indicators) -> list[EarlyWarning]:
    warnings = []
    for indicator in indicators:
        if indicator.pk not in series:
            continue
        origin = plan.start_date
        points = [((day - origin).days, value) for day, value in series[indicator.pk]]
        projected = _linear_projection(points, (indicator.action.end_date - origin).days)
        if projected is None:
            continue
        target = float(indicator.target)
        short = projected < target if indicator.direction == Indicator.Direction.INCREASE else projected > target
        if short:
            warnings.append(EarlyWarning(indicator.action, indicator, projected, target, len(points)))
    warnings.sort(key=lambda w: (w.action.goal.order, w.action.order, w.action.code, w.indicator.code))
    return warnings


def indicators_progress(plan: Plan, as_of: date | None = None):
    """The plan's live indicators with `latest_value`, `latest_period_end`,
    `progress` (as in plan_progress) and `latest_members`: how many members'
    approved values the latest value is the mean of. One query."""
    from django.db.models import Count, IntegerField, OuterRef, Subquery

    from actions.querysets import latest_approved_values

    members_in_mean = Subquery(
        latest_approved_values(as_of)
        .filter(indicator=OuterRef("pk"), update__period__end=OuterRef("latest_period_end"))
        .order_by()
        .values("indicator")
        .annotate(n=Count("update__member", distinct=True))
        .values("n")[:1],
        output_field=IntegerField(),
    )
    return (
        Indicator.objects.filter(action__goal__plan=plan, action__retired=False, retired=False)
        .with_progress(as_of)
        .annotate(latest_members=members_in_mean)
        .select_related("action")
        .order_by("action__goal__order", "action__order", "action__code", "order", "code")
    )


def _indicator_gaps(actions_qs, as_of: date | None) -> tuple[int, int, list[str]]:
    """(with data, total, names of indicators without approved values)."""
    indicators = (
        Indicator.objects.filter(action__in=actions_qs, retired=False)
        .with_latest_value(as_of)
        .values("code", "latest_value")
        .order_by("code")
    )
    rows = list(indicators)
    missing = [row["code"] for row in rows if row["latest_value"] is None]
    return len(rows) - len(missing), len(rows), missing


def _progress_figure(value: float | None, actions_qs, as_of: date | None, *, action_count: int | None = None) -> Figure:
    """A progress Figure for a set of counted actions (the rule of plan_progress)."""
    with_data, total, missing = _indicator_gaps(actions_qs, as_of)
    left_out = []
    if missing:
        left_out.append(_("Indicators without approved values (counted as 0%%): %(codes)s") % {
            "codes": ", ".join(missing)
        })
    inputs = [_("%(n)s indicators") % {"n": total}]
    if action_count is not None:
        inputs.insert(0, _("%(n)s actions") % {"n": action_count})
    return Figure(
        value=value, rule=PROGRESS_RULE, inputs=inputs, left_out=left_out,
        covered=with_data, expected=total, coverage_label=_("approved data for indicators"),
    )


def goal_progress(goal: Goal, as_of: date | None = None) -> Figure:
    """The progress of one goal, with its math (a few queries)."""
    actions = Action.objects.filter(goal=goal)
    counted = actions.counted()
    figure = _progress_figure(counted.progress_mean(as_of), counted, as_of, action_count=counted.count())
    left = actions.count() - counted.count()
    if left:
        figure.left_out.insert(0, _("%(n)s cancelled or retired actions") % {"n": left})
    return figure


def action_progress(action: Action, as_of: date | None = None) -> Figure:
    """The progress of one action, with its math."""
    annotated = Action.objects.filter(pk=action.pk).with_progress(as_of).values_list("progress", flat=True).first()
    figure = _progress_figure(annotated, Action.objects.filter(pk=action.pk), as_of)
    if not Indicator.objects.filter(action=action, retired=False).exists():
        figure.inputs = [_("No indicators: progress from the status (%(status)s)") % {
            "status": action.get_status_display()
        }]
        figure.expected = figure.covered = None
    if action.status == Action.Status.CANCELLED or action.retired:
        figure.left_out.insert(0, _("This action is cancelled or retired: it does not count in its goal's progress."))
    return figure


def goals_coverage(plan: Plan, as_of: date | None = None) -> dict[int, dict]:
    """{goal_id: {"actions", "indicators", "with_data"}} for the plan's counted
    actions, aggregated in the database (two queries)."""
    indicators = (
        Indicator.objects.filter(action__in=Action.objects.in_plan(plan).counted(), retired=False)
        .annotate(has_value=Exists(latest_approved_values(as_of).filter(indicator=OuterRef("pk"))))
        .order_by()
        .values("action__goal_id")
        .annotate(indicators=Count("pk"), with_data=Count("pk", filter=Q(has_value=True)))
    )
    result: dict[int, dict] = {
        row["goal_id"]: {"actions": row["n"], "indicators": 0, "with_data": 0}
        for row in Action.objects.in_plan(plan).counted().order_by().values("goal_id").annotate(n=Count("pk"))
    }
    for row in indicators:
        result.setdefault(row["action__goal_id"], {"actions": 0})
        result[row["action__goal_id"]].update(indicators=row["indicators"], with_data=row["with_data"])
    return result


def goal_figures(plan: Plan, as_of: date | None = None, *, tree=None) -> list[tuple[Goal, Figure]]:
    """Every live goal of the plan with its progress Figure, in a constant number
    of queries (for the overview: the math per goal without a query per goal).
    Pass the page's `progress_tree` to reuse it."""
    coverage = goals_coverage(plan, as_of)
    rows = []
    for goal in (tree or progress_tree(plan, as_of)).goals:
        cov = coverage.get(goal.pk, {"actions": 0, "indicators": 0, "with_data": 0})
        missing = cov["indicators"] - cov["with_data"]
        rows.append((goal, Figure(
            value=goal.progress,
            rule=PROGRESS_RULE,
            inputs=[_("%(n)s actions") % {"n": cov["actions"]}, _("%(n)s indicators") % {"n": cov["indicators"]}],
            left_out=[_("%(n)s indicators without approved values (counted as 0%%)") % {"n": missing}]
            if missing else [],
            covered=cov["with_data"], expected=cov["indicators"], coverage_label=_("approved data for indicators"),
        )))
    return rows


@dataclass
class SeriesPoint:
    period_code: str
    period_end: date
    value: float
    members: int


def indicator_series(indicators, as_of: date | None = None) -> dict[int, list[SeriesPoint]]:
    """Per indicator, the mean of the members' approved values in each period
    (the same values progress is computed from). One aggregate query."""
    IndicatorValue = apps.get_model("reporting", "IndicatorValue")
    values = IndicatorValue.objects.filter(update__state="approved", value__isnull=False, indicator__in=indicators)
    if as_of is not None:
        values = values.filter(update__period__end__lte=as_of)
    series: dict[int, list[SeriesPoint]] = {}
    rows = (
        values.order_by()
        .values("indicator_id", "update__period__code", "update__period__end")
        .annotate(mean=Avg("value"), members=Count("update__member", distinct=True))
        .order_by("indicator_id", "update__period__end")
    )
    for row in rows:
        series.setdefault(row["indicator_id"], []).append(
            SeriesPoint(row["update__period__code"], row["update__period__end"], float(row["mean"]), row["members"])
        )
    return series


@dataclass
class ProgressTree:
    """Every progress figure of a plan at once (plan_progress, goals_progress,
    actions_progress and indicators_progress in one pass)."""

    plan: Figure
    goals: list[Goal]
    actions: list[Action]
    indicators: list[Indicator]
    # {indicator_id: [(period end, mean approved value)]}, oldest first: the early warning's input.
    series: dict[int, list[tuple[date, float]]]


def _latest_by_indicator(plan: Plan, as_of: date | None) -> tuple[dict[int, dict], dict[int, list]]:
    """{indicator_id: the latest period's row} for the plan's live indicators
    with approved values: `mean` (latest_value), `end` (latest_period_end),
    `members` and `progress`, the clamped ratio computed in the database by the
    same expression as IndicatorQuerySet.with_progress.

    One grouped query per (indicator, period) over the approved values, instead
    of correlated subqueries per indicator that scan its values several times.
    """
    from actions.querysets import latest_approved_values

    def as_float(expression):
        return Cast(expression, FloatField())

    ratio = ExpressionWrapper(
        (as_float(Avg("value")) - as_float(F("indicator__baseline")))
        / (as_float(F("indicator__target")) - as_float(F("indicator__baseline"))),
        output_field=FloatField(),
    )
    rows = (
        latest_approved_values(as_of)
        .filter(indicator__action__goal__plan=plan, indicator__action__retired=False, indicator__retired=False)
        .order_by()
        .values("indicator_id", "update__period__end")
        .annotate(
            mean=Avg("value"),
            members=Count("update__member", distinct=True),
            progress=Greatest(Value(0.0), Least(Value(1.0), Coalesce(ratio, Value(0.0))), output_field=FloatField()),
        )
    )
    latest: dict[int, dict] = {}
    series: dict[int, list[tuple[date, float]]] = {}
    for row in rows:
        current = latest.get(row["indicator_id"])
        if current is None or row["update__period__end"] > current["update__period__end"]:
            latest[row["indicator_id"]] = row
        series.setdefault(row["indicator_id"], []).append((row["update__period__end"], float(row["mean"])))
    for points in series.values():
        points.sort()
    return latest, series


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _weighted_mean(actions: list[Action]) -> float | None:
    weights = sum(action.weight for action in actions)
    if not weights:
        return None
    return sum(action.progress * action.weight for action in actions) / weights


def progress_tree(plan: Plan, as_of: date | None = None) -> ProgressTree:
    """The plan's progress figures (same rules and values as the querysets'
    with_progress, see actions/querysets.py): indicators with latest_value,
    latest_period_end, latest_members and progress; actions with progress;
    goals with progress and action_count; the plan's Figure.

    Four queries whatever the amount of data: the database aggregates the
    approved values per indicator and period and computes each indicator's
    progress; the means over indicators, actions and goals are taken here over
    those few aggregated rows.
    """
    latest, series = _latest_by_indicator(plan, as_of)
    goals = list(Goal.objects.filter(plan=plan, retired=False).order_by("order", "code"))
    all_actions = list(Action.objects.in_plan(plan).select_related("goal").order_by("goal__order", "order", "code"))
    indicators = list(
        Indicator.objects.filter(action__goal__plan=plan, action__retired=False, retired=False)
        .select_related("action__goal")
        .order_by("action__goal__order", "action__order", "action__code", "order", "code")
    )
    by_action: dict[int, list[Indicator]] = {}
    for indicator in indicators:
        row = latest.get(indicator.pk)
        indicator.latest_value = row["mean"] if row else None
        indicator.latest_period_end = row["update__period__end"] if row else None
        indicator.latest_members = row["members"] if row else None
        indicator.progress = row["progress"] if row else 0.0
        by_action.setdefault(indicator.action_id, []).append(indicator)
    for action in all_actions:
        own = [indicator.progress for indicator in by_action.get(action.pk, [])]
        action.progress = _mean(own) if own else STATUS_PROGRESS.get(action.status, STATUS_PROGRESS_DEFAULT)
    live = [action for action in all_actions if not action.retired]
    counted = [action for action in live if action.status != Action.Status.CANCELLED]
    for goal in goals:
        goal.progress = _weighted_mean([action for action in counted if action.goal_id == goal.pk])
        goal.action_count = sum(1 for action in live if action.goal_id == goal.pk) or None

    counted_ids = {action.pk for action in counted}
    counted_indicators = sorted(
        (indicator for indicator in indicators if indicator.action_id in counted_ids), key=lambda i: i.code
    )
    missing = [indicator.code for indicator in counted_indicators if indicator.latest_value is None]
    total = len(counted_indicators)
    left_out = [
        _("%(n)s cancelled or retired actions") % {"n": len(all_actions) - len(counted)}
    ] if len(all_actions) != len(counted) else []
    if missing:
        left_out.append(_("Indicators without approved values (counted as 0%%): %(codes)s") % {
            "codes": ", ".join(missing)
        })
    figure = Figure(
        value=_weighted_mean(counted),
        rule=PROGRESS_RULE,
        inputs=[_("%(n)s actions") % {"n": len(counted)}, _("%(n)s indicators") % {"n": total}],
        left_out=left_out,
        covered=total - len(missing),
        expected=total,
        coverage_label=_("approved data for indicators"),
    )
    return ProgressTree(plan=figure, goals=goals, actions=live, indicators=indicators, series=series)
