"""Read-only pages of the plan: a goal and an action, with their progress,
indicators over time, participants and updates."""

from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, Subquery
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

from actions.models import Action, Goal, Indicator, Participation, Plan
from actions.selectors import (
    action_progress,
    early_warnings,
    goal_progress,
    indicator_series,
    plan_elapsed,
)
from metroplan.dashboards import dashboard_access
from metroplan.visibility import get_visible_or_404
from reporting.models import ProgressUpdate, ReportingPeriod

UPDATES_PER_PAGE = 25


def _current_plan(request) -> Plan:
    plan = Plan.objects.visible_to(request.user).current()
    if plan is None:
        raise Http404(_("No plan is loaded."))
    return plan


def _latest_update(user, field: str):
    """A subquery on Participation: a field of the member's newest update on the
    action that `user` may see (drafts only for their owners and staff)."""
    updates = ProgressUpdate.objects.visible_to(user).filter(
        member=OuterRef("member_id"), action=OuterRef("action_id")
    ).order_by("-period__start")
    return Subquery(updates.values(field)[:1])


def _participations(user, actions):
    return (
        Participation.objects.filter(action__in=actions)
        .select_related("member", "member__region", "action")
        .annotate(
            latest_state=_latest_update(user, "state"),
            latest_period=_latest_update(user, "period__code"),
            latest_status=_latest_update(user, "status"),
            latest_is_demo=_latest_update(user, "is_demo"),
        )
        .order_by("action__order", "action__code", "member__name")
    )


def _indicator_charts(indicators, periods: list[ReportingPeriod], warnings) -> list[dict]:
    """For each indicator: its series of mean approved values per period, with
    baseline, yearly milestones and target, as a chart spec and a table."""
    series = indicator_series(indicators)
    labels = [period.code for period in periods]
    # A milestone is plotted at the last period that ends in its year.
    year_end = {}
    for period in periods:
        year_end[period.end.year] = period.code
    projected = {w.indicator.pk: w for w in warnings}
    charts = []
    for indicator in indicators:
        points = {p.period_code: p for p in series.get(indicator.pk, [])}
        milestones = {year_end.get(m.year): float(m.value) for m in indicator.milestones.all()}
        spec = {
            "kind": "line",
            "labels": labels,
            "unit": indicator.unit,
            "horizontal": False,
            "max": None,
            "series": [
                {"label": _("Mean approved value"), "data": [
                    round(points[c].value, 2) if c in points else None for c in labels
                ], "color": "#0b5cad"},
                {"label": _("Baseline"), "data": [float(indicator.baseline)] * len(labels), "style": "dashed",
                 "color": "#5b6475"},
                {"label": _("Target"), "data": [float(indicator.target)] * len(labels), "style": "dashed",
                 "color": "#1e7b3a"},
            ],
        }
        warning = projected.get(indicator.pk)
        if warning is not None and points:
            # The trend, from the last approved mean to the projection at the action's end.
            end_code = next((p.code for p in periods if p.end >= warning.action.end_date), labels[-1])
            last_code = [c for c in labels if c in points][-1]
            trend = {last_code: round(points[last_code].value, 2), end_code: round(warning.projected, 2)}
            spec["series"].append({"label": _("Trend to the action's end"), "data": [trend.get(c) for c in labels],
                                   "style": "projection", "color": "#b3261e"})
        if milestones:
            spec["series"].append({"label": _("Milestones"), "data": [milestones.get(c) for c in labels],
                                   "style": "points", "color": "#a15c00"})
        charts.append({
            "indicator": indicator,
            "spec": spec,
            "chart_id": f"indicator-{indicator.pk}",
            "points": [points[c] for c in labels if c in points],
            "milestones": list(indicator.milestones.all()),
            "warning": warning,
        })
    return charts


def _updates_page(request, updates):
    page = Paginator(updates, UPDATES_PER_PAGE).get_page(request.GET.get("page"))
    return page


def _detail_context(request, plan, actions, indicators):
    periods = list(ReportingPeriod.objects.filter(plan=plan).order_by("start"))
    warnings = [w for w in early_warnings(plan) if w.action in actions]
    updates = (
        ProgressUpdate.objects.visible_to(request.user)
        .filter(action__in=actions)
        .select_related("member", "action", "period")
        .order_by("-period__start", "-submitted_at", "member__name")
    )
    participations = list(_participations(request.user, actions))
    page = _updates_page(request, updates)
    return {
        "plan": plan,
        "elapsed": plan_elapsed(plan),
        "periods": periods,
        "warnings": warnings,
        "indicator_charts": _indicator_charts(indicators, periods, warnings),
        "participations": participations,
        "updates_page": page,
        "demo": any(p.is_demo or p.latest_is_demo for p in participations) or any(u.is_demo for u in page),
    }


@dashboard_access
def goal_detail(request, code: str):
    plan = _current_plan(request)
    goal = get_visible_or_404(request.user, Goal.objects.filter(plan=plan), code=code)
    actions = list(
        Action.objects.filter(goal=goal, retired=False)
        .with_progress()
        .annotate(participant_count=Subquery(
            Participation.objects.filter(action=OuterRef("pk")).order_by().values("action")
            .annotate(n=Count("pk")).values("n")[:1]
        ))
        .order_by("order", "code")
    )
    indicators = list(
        Indicator.objects.filter(action__goal=goal, action__retired=False, retired=False)
        .with_progress()
        .select_related("action")
        .prefetch_related("milestones")
        .order_by("action__order", "action__code", "order", "code")
    )
    context = _detail_context(request, plan, actions, indicators)
    context.update(goal=goal, progress=goal_progress(goal), actions=actions)
    return render(request, "actions/goal_detail.html", context)


@dashboard_access
def action_detail(request, code: str):
    plan = _current_plan(request)
    action = get_visible_or_404(
        request.user,
        Action.objects.filter(goal__plan=plan).select_related("goal", "lead").prefetch_related("sdgs"), code=code
    )
    indicators = list(
        Indicator.objects.filter(action=action, retired=False)
        .with_progress()
        .prefetch_related("milestones")
        .order_by("order", "code")
    )
    context = _detail_context(request, plan, [action], indicators)
    context.update(action=action, goal=action.goal, progress=action_progress(action))
    return render(request, "actions/action_detail.html", context)
