"""Read paths of the plan for the API: querysets with their figures computed in
the database, so that a list is a fixed number of queries whatever its length."""

from decimal import Decimal

from django.db.models import Count, ExpressionWrapper, F, FloatField, OuterRef, Prefetch, Subquery, Sum
from django.db.models.functions import Cast, Coalesce

from actions.models import Action, Goal, Indicator, Milestone, Plan


def _count(queryset, group_field: str):
    return Coalesce(Subquery(queryset.order_by().values(group_field).annotate(n=Count("pk")).values("n")[:1]), 0)


def plans_for_api():
    """Plans without their figures: PlanViewSet.annotate_objects() adds them for the
    page from plan_figures(). Ordering by progress uses plans_with_progress()."""
    return Plan.objects.all()


def plans_with_progress():
    """Plans with `progress` (weighted mean of their counted actions' progress,
    the same rule as ActionQuerySet.progress_mean) and goal and action counts."""
    actions = Action.objects.filter(goal__plan=OuterRef("pk")).counted().with_progress().order_by()
    progress = Subquery(
        actions.values("goal__plan")
        .annotate(
            mean=ExpressionWrapper(
                Sum(F("progress") * F("weight"), output_field=FloatField()) / Cast(Sum("weight"), FloatField()),
                output_field=FloatField(),
            )
        )
        .values("mean")[:1],
        output_field=FloatField(),
    )
    return Plan.objects.annotate(
        progress=progress,
        goal_count=_count(Goal.objects.filter(plan=OuterRef("pk"), retired=False), "plan"),
        action_count=_count(Action.objects.filter(goal__plan=OuterRef("pk"), retired=False), "goal__plan"),
    )


def goals_for_api():
    """Goals without `progress` and `action_count`: GoalViewSet.annotate_objects()
    adds them for the page from goal_figures(). Ordering by progress uses
    goals_with_progress() instead."""
    return Goal.objects.select_related("plan").prefetch_related("sdgs")


def goals_with_progress():
    return goals_for_api().with_progress()


def _weighted_progress(actions) -> dict[int, tuple[float | None, int]]:
    """{group id: (progress, live actions)} from (group id, action id, status,
    weight) rows of live actions: the weighted mean of the counted (not cancelled)
    actions' progress, by the rule of ActionQuerySet.progress_mean(); None without
    any."""
    progress = action_progress([pk for _group, pk, status, _weight in actions if status != "cancelled"])
    live: dict[int, int] = {}
    weighted: dict[int, float] = {}
    weights: dict[int, int] = {}
    for group, pk, status, weight in actions:
        live[group] = live.get(group, 0) + 1
        if status != "cancelled":
            weighted[group] = weighted.get(group, 0.0) + progress[pk] * weight
            weights[group] = weights.get(group, 0) + weight
    return {
        group: (weighted[group] / weights[group] if weights.get(group) else None, count)
        for group, count in live.items()
    }


def goal_figures(goal_ids) -> dict[int, tuple[float | None, int | None]]:
    """{goal id: (progress, action_count)}, as GoalQuerySet.with_progress() gives them
    (no live action: both None), in two queries."""
    actions = Action.objects.filter(goal_id__any=goal_ids, retired=False).values_list(
        "goal_id", "pk", "status", "weight"
    )
    figures = _weighted_progress(list(actions))
    return {pk: figures.get(pk, (None, None)) for pk in goal_ids}


def plan_figures(plan_ids) -> dict[int, dict]:
    """{plan id: {progress, goal_count, action_count}}, as plans_with_progress() gives
    them, in three queries."""
    actions = Action.objects.filter(goal__plan_id__any=plan_ids, retired=False).values_list(
        "goal__plan_id", "pk", "status", "weight"
    )
    figures = _weighted_progress(list(actions))
    goals = dict(
        Goal.objects.filter(plan_id__any=plan_ids, retired=False).order_by().values("plan_id")
        .annotate(n=Count("pk")).values_list("plan_id", "n")
    )
    result = {}
    for pk in plan_ids:
        progress, action_count = figures.get(pk, (None, 0))
        result[pk] = {"progress": progress, "goal_count": goals.get(pk, 0), "action_count": action_count}
    return result


def indicators_for_api():
    """Indicators without `latest_value` and `progress`: IndicatorViewSet.annotate_objects()
    adds them for the page from indicator_progress(). Ordering by progress uses
    indicators_with_progress() instead."""
    return Indicator.objects.select_related("action__goal__plan").prefetch_related(
        Prefetch("milestones", queryset=Milestone.objects.order_by("year"))
    )


def indicators_with_progress():
    return indicators_for_api().with_progress()


def actions_for_api():
    """Actions without `progress`, `indicator_count`, SDGs and members:
    ActionViewSet.annotate_objects() adds them for the page, from action_figures()
    (one grouped query, not a correlated subquery per action and indicator) and
    action_links() (plain values, not 700 member instances).
    Ordering by progress uses actions_with_progress() instead."""
    return Action.objects.select_related("goal__plan", "lead")


def actions_with_progress():
    """actions_for_api() with `progress` annotated, for ordering by it."""
    return actions_for_api().with_progress()


def action_links(action_ids) -> tuple[dict[int, list[int]], dict[int, list[str]]]:
    """({action id: SDG numbers}, {action id: member slugs}), each in order: two queries."""
    sdgs: dict[int, list[int]] = {pk: [] for pk in action_ids}
    members: dict[int, list[str]] = {pk: [] for pk in action_ids}
    for action_id, number in (
        Action.sdgs.through.objects.filter(action_id__any=action_ids)
        .order_by("sustainabledevelopmentgoal_id")
        .values_list("action_id", "sustainabledevelopmentgoal_id")
    ):
        sdgs[action_id].append(number)
    for action_id, slug in (
        Action.participants.through.objects.filter(action_id__any=action_ids)
        .order_by("member__slug")
        .values_list("action_id", "member__slug")
    ):
        members[action_id].append(slug)
    return sdgs, members


# The rules of IndicatorQuerySet.with_progress() and ActionQuerySet.with_progress()
# (actions/querysets.py) for a page at once: every approved numeric value of the
# indicators is read once and grouped, instead of twice per indicator in
# correlated subqueries (which PostgreSQL runs as one scan of the updates per
# indicator). tests/api/test_fast_paths.py holds both to the querysets' results.
_LATEST_MEANS_SQL = """
means AS (
    SELECT iv.indicator_id, p."end" AS period_end, AVG(iv.value) AS mean
    FROM reporting_indicatorvalue iv
    JOIN reporting_progressupdate u ON u.id = iv.update_id
    JOIN reporting_reportingperiod p ON p.id = u.period_id
    JOIN actions_indicator i ON i.id = iv.indicator_id
    WHERE u.state = 'approved' AND iv.value IS NOT NULL AND {indicators}
    GROUP BY iv.indicator_id, p."end"
),
latest AS (
    SELECT means.indicator_id, means.mean AS latest_value
    FROM means
    JOIN (SELECT indicator_id, MAX(period_end) AS period_end FROM means GROUP BY indicator_id) newest
      ON newest.indicator_id = means.indicator_id AND newest.period_end = means.period_end
)"""
_RATIO_SQL = (
    "(CAST(l.latest_value AS {float}) - CAST(i.baseline AS {float}))"
    " / (CAST(i.target AS {float}) - CAST(i.baseline AS {float}))"
)
_CLAMPED_SQL = "CASE WHEN {ratio} IS NULL OR {ratio} < 0.0 THEN 0.0 WHEN {ratio} > 1.0 THEN 1.0 ELSE {ratio} END"

_INDICATOR_PROGRESS_SQL = """
WITH {latest_means}
SELECT i.id, l.latest_value, {clamped}
FROM actions_indicator i
LEFT JOIN latest l ON l.indicator_id = i.id
WHERE i.id IN ({ids})
"""

_ACTION_PROGRESS_SQL = """
WITH {latest_means},
indicator_progress AS (
    SELECT i.action_id, {ratio} AS ratio
    FROM actions_indicator i
    LEFT JOIN latest l ON l.indicator_id = i.id
    WHERE NOT i.retired AND i.action_id IN ({ids})
)
SELECT a.id,
       COALESCE(
           AVG(CASE WHEN ip.action_id IS NULL THEN NULL
                    WHEN ip.ratio IS NULL OR ip.ratio < 0.0 THEN 0.0
                    WHEN ip.ratio > 1.0 THEN 1.0
                    ELSE ip.ratio END),
           CASE a.status {status_cases} ELSE {status_default} END
       ) AS progress,
       COUNT(ip.action_id) AS indicator_count
FROM actions_action a
LEFT JOIN indicator_progress ip ON ip.action_id = a.id
WHERE a.id IN ({ids})
GROUP BY a.id, a.status
"""


def _float_type() -> str:
    from django.db import connection

    return "double precision" if connection.vendor == "postgresql" else "real"


def _placeholders(ids: list[int]) -> str:
    return ", ".join(["%s"] * len(ids))


def action_progress(action_ids) -> dict[int, float]:
    """{action id: progress} for the given actions, by the rule of
    ActionQuerySet.with_progress() (as of today), in one query."""
    return {pk: progress for pk, (progress, _count) in action_figures(action_ids).items()}


def action_figures(action_ids) -> dict[int, tuple[float, int]]:
    """{action id: (progress, number of live indicators)}, in one query."""
    from django.db import connection

    from actions.querysets import STATUS_PROGRESS, STATUS_PROGRESS_DEFAULT

    ids = [int(pk) for pk in action_ids]
    if not ids:
        return {}
    placeholders = _placeholders(ids)
    sql = _ACTION_PROGRESS_SQL.format(
        latest_means=_LATEST_MEANS_SQL.format(indicators=f"NOT i.retired AND i.action_id IN ({placeholders})"),
        ratio=_RATIO_SQL.format(float=_float_type()),
        ids=placeholders,
        status_cases=" ".join(f"WHEN %s THEN {float(value)!r}" for value in STATUS_PROGRESS.values()),
        status_default=repr(float(STATUS_PROGRESS_DEFAULT)),
    )
    # Parameters in the order their placeholders appear: means, indicator_progress, the CASE, the outer WHERE.
    params = [*ids, *ids, *STATUS_PROGRESS.keys(), *ids]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {pk: (float(progress), count) for pk, progress, count in cursor.fetchall()}


def indicator_progress(indicator_ids) -> dict[int, tuple[Decimal | None, float]]:
    """{indicator id: (latest_value, progress)} for the given indicators, by the
    rule of IndicatorQuerySet.with_progress() (as of today), in one query."""
    from django.db import connection

    ids = [int(pk) for pk in indicator_ids]
    if not ids:
        return {}
    placeholders = _placeholders(ids)
    sql = _INDICATOR_PROGRESS_SQL.format(
        latest_means=_LATEST_MEANS_SQL.format(indicators=f"i.id IN ({placeholders})"),
        clamped=_CLAMPED_SQL.format(ratio=_RATIO_SQL.format(float=_float_type())),
        ids=placeholders,
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*ids, *ids])
        return {
            # SQLite's AVG is a float; the queryset's DecimalField output is a Decimal.
            pk: (None if latest is None else Decimal(str(latest)), float(progress))
            for pk, latest, progress in cursor.fetchall()
        }
