"""Site-wide views: the overview and the health check."""

from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from actions.models import Participation, Plan
from actions.selectors import early_warnings, goal_figures, plan_elapsed, progress_tree, status_mix
from members.models import Member
from metroplan.dashboards import chosen_period, dashboard_access, figures_chart, percent, series_chart
from reporting.models import ProgressUpdate, ReportingPeriod
from reporting.selectors import compliance_by_region_from_members, compliance_per_member, compliance_per_period

LATEST_UPDATES = 8
STATUS_COLORS = {
    "not_started": "#8a93a3", "on_track": "#1e7b3a", "at_risk": "#d08a00", "off_track": "#b3261e",
    "completed": "#0b5cad", "cancelled": "#c9ced8",
}


@dashboard_access
def overview(request):
    """Where the plan stands: progress against time, status mix, compliance per
    period and region, members on a map, latest approved updates, early warnings.
    A constant number of queries, whatever the number of members and updates."""
    plan = Plan.objects.visible_to(request.user).current()
    if plan is None:
        return render(request, "overview.html", {"plan": None})
    periods = list(ReportingPeriod.objects.filter(plan=plan).order_by("start"))
    period = chosen_period(plan, periods, request.GET.get("period"))
    context = {"plan": plan, "periods": periods, "period": period}

    tree = progress_tree(plan)
    context["progress"] = tree.plan
    context["elapsed"] = plan_elapsed(plan)
    context["goals"] = goal_figures(plan, tree=tree)
    mix = status_mix(plan)
    context["status_mix"] = mix
    context["status_chart"] = series_chart(
        [label for _value, label, _n in mix], [(_("Actions"), [n for _v, _l, n in mix])],
        kind="doughnut", unit="", max_value=None,
    )
    context["status_chart"]["colors"] = [STATUS_COLORS.get(value, "#8a93a3") for value, _l, _n in mix]
    context["warnings"] = early_warnings(plan, tree=tree)

    if period is not None:
        by_period = compliance_per_period(plan)
        context["by_period"] = by_period
        context["period_figure"] = next((f for p, f in by_period if p.pk == period.pk), None)
        context["period_chart"] = figures_chart([(p.code, f) for p, f in by_period], _("Compliance"))
        # One grouped query per member serves the map and, summed, the regions.
        member_counts = compliance_per_member(period)
        region_of = dict(Member.objects.values_list("pk", "region_id"))
        by_region = compliance_by_region_from_members(member_counts, region_of)
        context["by_region"] = by_region
        context["region_chart"] = figures_chart(
            [(str(r), f) for r, f in by_region], _("Compliance"), kind="bar", horizontal=True
        )
        context["map_members"] = _map_members(request, member_counts)

    context["latest_updates"] = list(
        ProgressUpdate.objects.visible_to(request.user).approved()
        .filter(period__plan=plan)
        .select_related("member", "action", "period")
        .order_by("-reviewed_at", "-pk")[:LATEST_UPDATES]
    )
    demo_participations = Participation.objects.filter(action__goal__plan=plan, is_demo=True).exists()
    context["demo"] = demo_participations or any(u.is_demo for u in context["latest_updates"])
    return render(request, "overview.html", context)


@dashboard_access
def overview_member_table(request):
    """The map's text alternative: every member with its compliance in the
    period, as a table (an htmx fragment inside the overview, or a page)."""
    plan = Plan.objects.visible_to(request.user).current()
    if plan is None:
        raise Http404
    periods = list(ReportingPeriod.objects.filter(plan=plan).order_by("start"))
    period = chosen_period(plan, periods, request.GET.get("period"))
    if period is None:
        raise Http404
    context = {"period": period, "map_members": _map_members(request, compliance_per_member(period))}
    template = "dashboards/_member_table.html" if request.htmx else "dashboards/member_table.html"
    return render(request, template, context)


def _map_members(request, compliance: dict[int, dict]) -> list[dict]:
    """Every member with its coordinates and compliance in `period`: the members
    (one query) joined to the per-member compliance counts (one grouped query)."""
    # One reverse() for all members: the slug is the only part that changes.
    url_pattern = reverse("member-detail", args=["SLUG"]) if request.user.is_authenticated else None
    rows = Member.objects.order_by("region__order", "region__name", "name").values(
        "pk", "slug", "name", "latitude", "longitude", "region__name"
    )
    members = []
    for row in rows:
        counts = compliance.get(row["pk"], {})
        members.append({
            "slug": row["slug"],
            "name": row["name"],
            "region": row["region__name"],
            "lat": float(row["latitude"]),
            "lon": float(row["longitude"]),
            "expected": counts.get("expected", 0),
            "on_time": counts.get("on_time", 0),
            "compliance": percent(counts.get("rate")),
            "url": url_pattern.replace("SLUG", row["slug"]) if url_pattern else None,
        })
    return members


def healthz(request):
    """Database, cache and broker (503 if one fails), and when beat last ran."""
    from reporting.health import run_checks

    healthy, checks = run_checks()
    return JsonResponse({"status": "ok" if healthy else "error", "checks": checks}, status=200 if healthy else 503)
