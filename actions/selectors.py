"""Read paths for the plan's figures, shared by the dashboards, the API and
the reports, so the same number is the same everywhere."""

from dataclasses import dataclass
from datetime import date

from django.apps import apps
from django.db.models import Avg
from django.utils import timezone
from django.utils.translation import gettext as _

from actions.models import Action, Goal, Indicator, Plan
from actions.querysets import elapsed_fraction
from metroplan.figures import Figure

PROGRESS_RULE = _(
    "Indicator progress = (latest approved value − baseline) / (target − baseline), clamped to 0–100%; "
    "the latest approved value is the mean of members' approved values in the latest period that has any, "
    "and an indicator without approved values counts as 0%. Action progress = mean of its indicators "
    "(an action without indicators: completed 100%, not started 0%, otherwise 50%). Goal and plan progress = "
    "mean of their actions weighted by each action's weight; cancelled and retired actions are left out."
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


def plan_progress(plan: Plan, as_of: date | None = None) -> Figure:
    actions = Action.objects.in_plan(plan)
    counted = actions.counted()
    value = counted.progress_mean(as_of)
    with_data, total, missing = _indicator_gaps(counted, as_of)
    left_out = [
        _("%(n)s cancelled or retired actions") % {"n": actions.count() - counted.count()}
    ] if actions.count() != counted.count() else []
    if missing:
        left_out.append(_("Indicators without approved values (counted as 0%%): %(codes)s") % {
            "codes": ", ".join(missing)
        })
    return Figure(
        value=value,
        rule=PROGRESS_RULE,
        inputs=[_("%(n)s actions") % {"n": counted.count()}, _("%(n)s indicators") % {"n": total}],
        left_out=left_out,
        covered=with_data,
        expected=total,
        coverage_label=_("approved data for indicators"),
    )


@dataclass
class GoalRow:
    goal: Goal
    progress: Figure


def goals_progress(plan: Plan, as_of: date | None = None) -> list[Goal]:
    """The plan's live goals with `progress` annotated (one query)."""
    return list(Goal.objects.filter(plan=plan, retired=False).with_progress(as_of).order_by("order", "code"))


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


def early_warnings(plan: Plan, as_of: date | None = None) -> list[EarlyWarning]:
    """Actions whose indicators' trend will not reach the target by the action's end.

    The series per indicator is the mean approved value per period (aggregated in
    the database, one query); a straight line through it is extended to the
    action's end date. Completed and cancelled actions are not flagged; an
    indicator needs approved values in at least two periods.
    """
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
    warnings = []
    for indicator in indicators:
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
