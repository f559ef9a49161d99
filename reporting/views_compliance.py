"""The compliance heatmap: members (grouped by region) × reporting periods,
each cell coloured by how the member's expected updates for the period turned
out, linking to the updates behind it."""

from itertools import groupby

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from actions.models import Action, Goal, Participation, Plan
from reporting.querysets import Outcome
from reporting.selectors import cell_outcome, compliance_matrix, compliance_per_period

SYMBOLS = {
    Outcome.ON_TIME: "✓",
    Outcome.LATE: pgettext_lazy("one-letter heatmap symbol for a late update", "L"),
    Outcome.MISSING: "✕",
    Outcome.EXCUSED: pgettext_lazy("one-letter heatmap symbol for an excused late update", "E"),
    Outcome.DUE: "…",
}


def _cell_label(member, period, counts: dict) -> str:
    parts = [
        f"{counts[outcome.value]} {outcome.label}" for outcome in Outcome if counts.get(outcome.value)
    ]
    return _("%(member)s, %(period)s: %(outcomes)s") % {
        "member": member.name, "period": period.code, "outcomes": ", ".join(parts),
    }


@login_required
def compliance_heatmap(request):
    plan = Plan.objects.current()
    if plan is None:
        return render(request, "reporting/compliance_heatmap.html", {"plan": None})
    goals = list(Goal.objects.filter(plan=plan, retired=False).order_by("order", "code"))
    goal = request.GET.get("goal") or None
    action = request.GET.get("action") or None
    actions = Action.objects.in_plan(plan).active().order_by("goal__order", "order", "code")
    if goal:
        actions = actions.filter(goal__code=goal)
    actions = list(actions.values("code", "title"))
    errors = []
    if goal and goal not in {g.code for g in goals}:
        errors.append(_("There is no goal %(code)s in this plan.") % {"code": goal})
    if action and action not in {a["code"] for a in actions}:
        errors.append(_("There is no action %(code)s here.") % {"code": action})

    periods, members, cells = compliance_matrix(plan, goal=goal, action=action)
    rows = []
    for member in members:
        row_cells = []
        for period in periods:
            counts = cells.get((member.pk, period.pk))
            outcome = cell_outcome(counts)
            row_cells.append({
                "period": period,
                "outcome": outcome,
                "symbol": SYMBOLS.get(outcome, ""),
                "label": _cell_label(member, period, counts) if counts else "",
            })
        rows.append({"member": member, "cells": row_cells})
    regions = [
        {"region": region, "rows": list(group)}
        for region, group in groupby(rows, key=lambda row: row["member"].region)
    ]
    totals = compliance_per_period(plan, goal=goal, action=action)
    context = {
        "plan": plan,
        "goals": goals,
        "actions": actions,
        "goal": goal,
        "action": action,
        "errors": errors,
        "periods": periods,
        "regions": regions,
        "member_count": len(members),
        "totals": totals,
        "legend": [(outcome.value, SYMBOLS[outcome], outcome.label) for outcome in Outcome],
        "demo": Participation.objects.filter(action__goal__plan=plan, is_demo=True).exists(),
    }
    return render(request, "reporting/compliance_heatmap.html", context)
