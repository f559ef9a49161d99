"""Members pages: the list with filters and compliance, and one member's
actions, compliance over time and updates."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, F, OuterRef, Subquery
from django.shortcuts import render
from django.utils.translation import gettext as _

from actions.models import Action, Participation, Plan
from members.filtersets import MemberFilterSet
from members.models import Member, Region
from metroplan.dashboards import chosen_period, figures_chart
from metroplan.permissions import can_see_provenance
from metroplan.visibility import get_visible_or_404
from reporting.filtersets import ProgressUpdateFilterSet
from reporting.models import ProgressUpdate, ReportingPeriod
from reporting.selectors import member_compliance_by_period, with_compliance

MEMBERS_PER_PAGE = 50
UPDATES_PER_PAGE = 25
SORTS = {
    "name": ["name"],
    "-name": ["-name"],
    "region": ["region__order", "region__name", "name"],
    "compliance": [F("compliance").asc(nulls_last=True), "name"],
    "-compliance": [F("compliance").desc(nulls_last=True), "name"],
    "actions": [F("action_count").desc(), "name"],
}


@login_required
def member_list(request):
    """Members with their compliance in a period; filters and sorting are links
    (query parameters), so every view can be bookmarked."""
    plan = Plan.objects.visible_to(request.user).current()
    periods = list(ReportingPeriod.objects.filter(plan=plan).order_by("start")) if plan else []
    period = chosen_period(plan, periods, request.GET.get("period")) if plan else None
    filterset = MemberFilterSet(request.GET or None, queryset=Member.objects.select_related("region"))
    members = filterset.qs if filterset.is_bound and filterset.is_valid() else Member.objects.select_related("region")
    if plan is not None:
        members = members.annotate(action_count=Subquery(
            Participation.objects.filter(member=OuterRef("pk"), action__goal__plan=plan, action__retired=False)
            .order_by().values("member").annotate(n=Count("pk")).values("n")[:1]
        ))
    if period is not None:
        members = with_compliance(members, period)
    sort = request.GET.get("sort", "name")
    if sort not in SORTS or (sort.lstrip("-") in ("compliance", "actions") and period is None):
        sort = "name"
    page = Paginator(members.order_by(*SORTS[sort]), MEMBERS_PER_PAGE).get_page(request.GET.get("page"))
    countries = (
        Member.objects.order_by("country_code").values_list("country_code", "country").distinct()
    )
    context = {
        "plan": plan,
        "periods": periods,
        "period": period,
        "filterset": filterset,
        "errors": filterset.errors if filterset.is_bound else {},
        "page": page,
        "sort": sort,
        "regions": Region.objects.order_by("order", "name"),
        "types": Member.MembershipType.choices,
        "countries": countries,
        "selected": {key: request.GET.get(key, "") for key in ("region", "country", "membership_type", "name")},
        "demo": plan is not None and Participation.objects.filter(action__goal__plan=plan, is_demo=True).exists(),
    }
    return render(request, "members/member_list.html", context)


@login_required
def member_detail(request, slug: str):
    """One member: its actions with their latest update, its compliance over
    time, and its updates (filterable by period, action and state)."""
    member = get_visible_or_404(request.user, Member.objects.select_related("region"), slug=slug)
    plan = Plan.objects.visible_to(request.user).current()
    context = {"member": member, "plan": plan, "show_provenance": can_see_provenance(request.user)}
    updates = ProgressUpdate.objects.visible_to(request.user).filter(member=member)
    if plan is not None:
        latest = updates.filter(action=OuterRef("pk")).order_by("-period__start")
        actions = list(
            Action.objects.filter(goal__plan=plan, participations__member=member)
            .with_progress()
            .select_related("goal")
            .annotate(
                latest_period=Subquery(latest.values("period__code")[:1]),
                latest_state=Subquery(latest.values("state")[:1]),
                latest_status=Subquery(latest.values("status")[:1]),
                is_demo_participation=Subquery(
                    Participation.objects.filter(action=OuterRef("pk"), member=member).values("is_demo")[:1]
                ),
            )
            .order_by("goal__order", "order", "code")
        )
        compliance = member_compliance_by_period(plan, member)
        context.update(
            actions=actions,
            compliance=compliance,
            compliance_chart=figures_chart([(p.code, f) for p, f in compliance], _("Compliance")),
            periods=[p for p, _f in compliance],
        )
        updates = updates.filter(period__plan=plan)
    filterset = ProgressUpdateFilterSet(request.GET or None, queryset=updates)
    filtered = filterset.qs if filterset.is_bound and filterset.is_valid() else updates
    page = Paginator(
        filtered.select_related("action", "period").order_by("-period__start", "action__code"), UPDATES_PER_PAGE
    ).get_page(request.GET.get("page"))
    context.update(
        updates_page=page,
        errors=filterset.errors if filterset.is_bound else {},
        selected={key: request.GET.get(key, "") for key in ("period", "action", "state")},
        states=ProgressUpdate.State.choices,
        demo=any(u.is_demo for u in page) or any(a.is_demo_participation for a in context.get("actions", [])),
    )
    return render(request, "members/member_detail.html", context)


