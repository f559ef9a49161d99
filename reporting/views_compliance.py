"""The compliance heatmap: members (grouped by region) × reporting periods,
each cell showing the member's compliance rate for the period (its colour
follows the rate; a mark names the worst outcome), linking to the updates
behind it.

Bounded: one page shows at most MEMBERS_PER_PAGE members (of one region, if
chosen) and a window of PERIOD_WINDOW periods (the latest unless an earlier
window is asked for), so its size does not grow with the network or its
history; the "All members" row and each region's row count the whole network
(or region), not the page."""

from itertools import groupby

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_safe

from actions.models import Action, Goal, Participation, Plan
from members.models import Member, Region
from metroplan.db import any_of
from reporting.figures import Outcome, compliance_figure, compliance_figures, empty_counts, plan_figures
from reporting.templatetags.dashboards import pct

MEMBERS_PER_PAGE = 50
PERIOD_WINDOW = 8  # two years of quarters


def _int_param(request, name: str, default: int = 0) -> int:
    try:
        return max(int(request.GET.get(name, default)), 0)
    except ValueError:
        return default


def _period_window(periods: list, earlier: int) -> tuple[list, int, int]:
    """The PERIOD_WINDOW periods `earlier` windows before the latest (oldest
    first), with the window numbers of the later and earlier windows (-1: none)."""
    windows = max((len(periods) + PERIOD_WINDOW - 1) // PERIOD_WINDOW, 1)
    earlier = min(earlier, windows - 1)
    end = len(periods) - earlier * PERIOD_WINDOW
    shown = periods[max(end - PERIOD_WINDOW, 0):end]
    return shown, earlier - 1, earlier + 1 if earlier + 1 < windows else -1


SYMBOLS = {
    Outcome.ON_TIME: "✓",
    Outcome.LATE: pgettext_lazy("one-letter heatmap symbol for a late update", "L"),
    Outcome.MISSING: "✕",
    Outcome.EXCUSED: pgettext_lazy("one-letter heatmap symbol for an excused late update", "E"),
    Outcome.DUE: "…",
}


def _cell_labeller():
    """label(member, period, counts) -> "Member, period: 67% on time (2 on time,
    1 missing)". The translated words are looked up once per page, not once per
    cell (a page at ten times today's network has 17,000 cells)."""
    words = [(outcome.value, str(outcome.label)) for outcome in Outcome]
    template = _("%(member)s, %(period)s: %(outcomes)s")
    with_rate = _("%(member)s, %(period)s: %(rate)s on time (%(outcomes)s)")

    def label(member, period, counts: dict) -> str:
        parts = ", ".join(f"{counts[value]} {word}" for value, word in words if counts.get(value))
        if counts.get("rate") is None:
            return template % {"member": member.name, "period": period.code, "outcomes": parts}
        return with_rate % {"member": member.name, "period": period.code, "rate": pct(counts["rate"]),
                            "outcomes": parts}

    return label


def cell_outcome(counts: dict | None) -> str:
    """The worst outcome in a heatmap cell: the mark in its corner, and its
    colour when no update counts towards a rate yet (all due or excused)."""
    if not counts:
        return ""
    for outcome in (Outcome.MISSING, Outcome.LATE, Outcome.DUE, Outcome.EXCUSED, Outcome.ON_TIME):
        if counts.get(outcome.value):
            return outcome.value
    return ""


def cell_band(counts: dict | None) -> str:
    """The colour band of a heatmap cell: the member's compliance rate for the
    period as the figures engine counts it, in tenths ("0" … "10"); "" when no
    update counts towards a rate."""
    rate = (counts or {}).get("rate")
    return "" if rate is None else str(round(rate * 10))


@require_safe
@login_required
def compliance_heatmap(request):
    plan = Plan.objects.visible_to(request.user).current()
    if plan is None:
        return render(request, "reporting/compliance_heatmap.html", {"plan": None})
    goals = list(Goal.objects.filter(plan=plan, retired=False).order_by("order", "code"))
    goal = request.GET.get("goal") or None
    action = request.GET.get("action") or None
    actions = Action.objects.in_plan(plan).active().order_by("goal__order", "order", "code")
    if goal:
        actions = actions.filter(goal__code=goal)
    # Objects, not values(): the page marks a title with no text in its language (`content_lang`).
    actions = list(actions)
    errors = []
    if goal and goal not in {g.code for g in goals}:
        errors.append(_("There is no goal %(code)s in this plan.") % {"code": goal})
    if action and action not in {a.code for a in actions}:
        errors.append(_("There is no action %(code)s here.") % {"code": action})

    figures = plan_figures(plan)
    compliance = compliance_figures(figures, goal=goal, action=action)
    periods, later, earlier = _period_window(figures.periods, _int_param(request, "earlier"))
    expected = {member_id for _period_id, member_id in compliance.by_member}
    region_list = list(Region.objects.filter(pk__in=set(compliance.member_region.values())))
    region = request.GET.get("region") or None
    # One array parameter, not one placeholder per member (14,100 at 100×: ~0.2 s in the driver).
    members = Member.objects.filter(any_of("pk", expected))
    if region:
        if region not in {r.slug for r in region_list}:
            errors.append(_("There is no region %(slug)s here.") % {"slug": region})
        members = members.filter(region__slug=region)
    paginator = Paginator(
        members.select_related("region").order_by("region__order", "region__name", "name", "pk"), MEMBERS_PER_PAGE
    )
    page = paginator.get_page(request.GET.get("page"))
    cell_label = _cell_labeller()
    symbols = {outcome: str(symbol) for outcome, symbol in SYMBOLS.items()}
    # A cell links to the member's updates for its period (and action, if one is chosen).
    to_updates = {
        period.pk: "?" + urlencode({"period": period.code, **({"action": action} if action else {})}) + "#updates-h"
        for period in periods
    }
    rows = []
    for member in page.object_list:
        member_url = reverse("member-detail", args=[member.slug])
        row_cells = []
        for period in periods:
            counts = compliance.by_member.get((period.pk, member.pk))
            outcome = cell_outcome(counts)
            row_cells.append({
                "period": period,
                "outcome": outcome,
                "rate": counts["rate"] if counts else None,
                "band": cell_band(counts),
                "symbol": symbols.get(outcome, ""),
                "label": cell_label(member, period, counts) if counts else "",
                "href": member_url + to_updates[period.pk],
            })
        rows.append({"member": member, "url": member_url, "cells": row_cells})
    # Each region's row: its whole membership's rate per period, not the page's.
    region_sums = {period.pk: compliance.region_counts(period) for period in periods}
    regions = [
        {"region": group_region, "rows": list(group),
         "totals": [compliance_figure(region_sums[period.pk].get(group_region.pk, empty_counts()))
                    for period in periods]}
        for group_region, group in groupby(rows, key=lambda row: row["member"].region)
    ]
    shown = {period.pk for period in periods}
    totals = [(period, figure) for period, figure in compliance.per_period() if period.pk in shown]
    context = {
        "plan": plan,
        "goals": goals,
        "actions": actions,
        "goal": goal,
        "action": action,
        "errors": errors,
        "periods": periods,
        "regions": regions,
        "member_count": paginator.count,
        "page": page,
        "region": region,
        "region_list": sorted(region_list, key=lambda r: (r.order, r.name)),
        "later": later,
        "earlier": earlier,
        "first_period": periods[0] if periods else None,
        "last_period": periods[-1] if periods else None,
        "period_count": len(figures.periods),
        "totals": totals,
        "legend": [(outcome.value, SYMBOLS[outcome], outcome.label) for outcome in Outcome],
        "scale": [(band, band / 10) for band in (0, 3, 5, 8, 10)],
        "demo": Participation.objects.filter(action__goal__plan=plan, is_demo=True).exists(),
    }
    return render(request, "reporting/compliance_heatmap.html", context)
