"""The dashboards: the overview, a goal, an action, the members list and a
member. Every figure on them comes from the figures engine (one call per page,
a fixed number of queries whatever the size of the network); these views only
choose what to show."""

import math

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, OuterRef, Subquery
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST, require_safe

from actions.models import Action, Participation, Plan
from members.filtersets import MemberFilterSet
from members.models import Member, Region
from metroplan.paginators import GroupedPaginator
from metroplan.permissions import (
    can_see_provenance,
    can_write_commentary,
    is_secretariat,
    member_of,
    reader_required,
)
from metroplan.services import ConflictError, ServiceError, ValidationError
from metroplan.visibility import get_visible_or_404
from reporting.commentary_services import commentary_for, commentary_save
from reporting.dashboards import figures_chart, percent, series_chart
from reporting.figures import cache as figures_cache
from reporting.figures import empty_counts, plan_figures, shown
from reporting.figures.slots import add_counts
from reporting.figures.split import indicator_splits
from reporting.filtersets import ProgressUpdateFilterSet
from reporting.forms import CommentaryForm
from reporting.models import Commentary, ProgressUpdate
from reporting.selectors_updates import action_report_slot
from reporting.templatetags.dashboards import compliance_band, pct

LATEST_UPDATES = 8
UPDATES_PER_PAGE = 25
PARTICIPANTS_PER_PAGE = 25
STATE_ORDER = {state: i for i, state in enumerate(ProgressUpdate.State.values)}
MEMBERS_PER_PAGE = 50
STATUS_COLORS = {
    "not_started": "#8a93a3", "on_track": "#1e7b3a", "at_risk": "#d08a00", "off_track": "#b3261e",
    "completed": "#0b5cad", "cancelled": "#c9ced8",
}


def _current_plan(request) -> Plan:
    plan = Plan.objects.visible_to(request.user).current()
    if plan is None:
        raise Http404(_("No plan is loaded."))
    return plan


# --- the overview ---------------------------------------------------------------------------------------


@require_safe
@reader_required
def overview(request):
    """Where the plan stands: progress against time, status mix, compliance per
    period and region, members on a map, latest approved updates, early warnings."""
    plan = Plan.objects.visible_to(request.user).current()
    if plan is None:
        return render(request, "overview.html", {"plan": None})
    figures = plan_figures(plan)
    period = figures.period(request.GET.get("period"))
    context = {
        "plan": plan, "periods": figures.periods, "period": period,
        "progress": figures.progress, "elapsed": figures.elapsed,
        "goals": [(goal, goal.figure) for goal in figures.goals],
        "warnings": figures.warnings,
    }
    mix = figures.status_mix
    context["status_mix"] = mix
    context["status_chart"] = series_chart(
        [label for _value, label, _n in mix], [(_("Actions"), [n for _v, _l, n in mix])],
        kind="doughnut", unit="", max_value=None,
    )
    context["status_chart"]["colors"] = [STATUS_COLORS.get(value, "#8a93a3") for value, _l, _n in mix]

    if period is not None:
        compliance = figures.compliance
        by_period = compliance.per_period()
        by_region = compliance.per_region(period)
        context.update(
            by_period=by_period,
            period_figure=compliance.period_figure(period),
            period_chart=figures_chart([(p.code, f) for p, f in by_period], _("Compliance")),
            by_region=by_region,
            region_chart=figures_chart([(str(r), f) for r, f in by_region], _("Compliance"), kind="bar",
                                       horizontal=True),
            map_points=_map_summary(compliance.member_counts(period))[0],
        )

    context["latest_updates"] = list(
        ProgressUpdate.objects.visible_to(request.user).approved()
        .filter(period__plan=plan)
        .select_related("member", "action", "period")
        .order_by("-reviewed_at", "-pk")[:LATEST_UPDATES]
    )
    demo_participations = Participation.objects.filter(action__goal__plan=plan, is_demo=True).exists()
    context["demo"] = demo_participations or any(u.is_demo for u in context["latest_updates"])
    return render(request, "overview.html", context)


@require_safe
@reader_required
def overview_member_table(request):
    """The map's text alternative: per region, how many members are in each
    compliance band in the period, each count linking to those members in the
    member list (an htmx fragment inside the overview, or a page). Its size
    follows the regions, not the members."""
    figures = plan_figures(_current_plan(request))
    period = figures.period(request.GET.get("period"))
    if period is None:
        raise Http404
    _points, regions = _map_summary(figures.compliance.member_counts(period))
    context = {"period": period, "map_regions": regions, "bands": BANDS}
    template = "dashboards/_member_table.html" if request.htmx else "dashboards/member_table.html"
    return render(request, template, context)


MAP_CELL_DEGREES = 5  # members within one 5° × 5° square share a circle on the map
BANDS = ("good", "fair", "poor", "none")


def _map_summary(compliance: dict[int, dict]) -> tuple[list[dict], list[dict]]:
    """The members aggregated for the map and its table: one circle per square
    of MAP_CELL_DEGREES with members (where they are, how many, their summed
    counts, coloured by the square's rate), and per region the number of
    members in each compliance band. One query (a member's coordinates and
    region); what the page carries grows with the squares and regions, not
    with the members."""
    rows = Member.objects.values_list("pk", "latitude", "longitude", "region__slug", "region__name",
                                      "region__order")
    squares: dict[tuple, dict] = {}
    regions: dict[str, dict] = {}
    for pk, lat, lon, region_slug, region_name, region_order in rows:
        counts = compliance.get(pk, {})
        lat, lon = float(lat), float(lon)
        key = (math.floor(lat / MAP_CELL_DEGREES), math.floor(lon / MAP_CELL_DEGREES))
        square = squares.setdefault(key, {"lat": 0.0, "lon": 0.0, "count": 0, "counts": []})
        square["lat"] += lat
        square["lon"] += lon
        square["count"] += 1
        if counts:
            square["counts"].append(counts)
        region = regions.setdefault(region_slug, {"slug": region_slug, "name": region_name, "order": region_order,
                                                  "count": 0, **dict.fromkeys(BANDS, 0)})
        region[compliance_band(counts.get("rate"))] += 1
        region["count"] += 1
    points = []
    for _key, square in sorted(squares.items()):
        total = add_counts(square["counts"])
        points.append({
            "lat": round(square["lat"] / square["count"], 2), "lon": round(square["lon"] / square["count"], 2),
            "members": square["count"], "band": compliance_band(total["rate"]), "expected": total["expected"],
            "on_time": total["on_time"], "compliance": percent(total["rate"]),
            "label": ngettext("%(n)s member: %(rate)s on time (%(on_time)s of %(expected)s)",
                              "%(n)s members: %(rate)s on time (%(on_time)s of %(expected)s)", square["count"]) % {
                "n": square["count"], "rate": pct(total["rate"]), "on_time": total["on_time"],
                "expected": total["expected"]},
        })
    return points, sorted(regions.values(), key=lambda r: (r["order"], r["name"]))


# --- a goal and an action -------------------------------------------------------------------------------


def _latest_update(user, field: str):
    """A subquery on Participation: a field of the member's newest update on the
    action that `user` may see (drafts only for their owners and staff)."""
    updates = ProgressUpdate.objects.visible_to(user).filter(
        member=OuterRef("member_id"), action=OuterRef("action_id")
    ).order_by("-period__start")
    return Subquery(updates.values(field)[:1])


def _participations(user, actions):
    return (
        Participation.objects.filter(action__in=[action.pk for action in actions])
        .select_related("member", "member__region", "action")
        .annotate(
            latest_state=_latest_update(user, "state"),
            latest_period=_latest_update(user, "period__code"),
            latest_status=_latest_update(user, "status"),
            latest_is_demo=_latest_update(user, "is_demo"),
        )
        .order_by("action__order", "action__code", "member__name")
    )


def _participant_states(user, actions) -> dict[str | None, int]:
    """How many of the actions' participants are at each state of their latest
    update that `user` may see (None: no update yet). Kept per action and reader
    under the figures version, which every save of an update replaces: one
    query per participant's updates (4,900 of a goal at 100×) is paid once per
    change, not on every view."""

    def compute(ids):
        rows = (
            Participation.objects.filter(action__in=ids).annotate(latest_state=_latest_update(user, "state"))
            .order_by().values_list("action_id", "latest_state").annotate(n=Count("pk"))
        )
        states: dict[int, dict] = {pk: {} for pk in ids}
        for action_id, state, n in rows:
            states[action_id][state] = n
        return states

    # The reader and what decides which updates they see: their role and member (a focal point moved to
    # another member, or made staff, does not read the summary kept for who they were).
    member = member_of(user)
    reader = (f"user{user.pk}", int(is_secretariat(user)), member.pk if member else 0)
    per_action = figures_cache.cached_many("participant-states", [a.pk for a in actions], reader, compute)
    summary: dict[str | None, int] = {}
    for states in per_action.values():
        for state, n in states.items():
            summary[state] = summary.get(state, 0) + n
    return summary


def _indicator_charts(indicators, periods, warnings, splits=None) -> list[dict]:
    """For each indicator: its series of mean approved values per period, with
    baseline, yearly milestones and target, as a chart spec and a table."""
    labels = [period.code for period in periods]
    # A milestone is plotted at the last period that ends in its year.
    year_end = {}
    for period in periods:
        year_end[period.end.year] = period.code
    projected = {w.indicator.pk: w for w in warnings}
    charts = []
    for indicator in indicators:
        points = {p.period_code: p for p in indicator.series}
        milestones = {year_end.get(m.year): float(m.value) for m in indicator.milestone_list}
        spec = {
            "kind": "line",
            "labels": labels,
            "unit": indicator.unit,
            "horizontal": False,
            "max": None,
            "series": [
                {"label": _("Network value"), "data": [
                    round(points[c].value, indicator.display_decimals) if c in points else None for c in labels
                ], "color": "#0b5cad"},
                {"label": _("Baseline"), "data": [float(indicator.baseline)] * len(labels), "style": "dashed",
                 "color": "#5b6475"},
                {"label": _("Target for the period"), "data": [
                    round(indicator.period_targets[c], 2) if indicator.period_targets.get(c) is not None else None
                    for c in labels
                ], "style": "dashed", "color": "#1e7b3a"},
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
            "rows": [
                {"point": points[c], "value": shown(indicator, points[c].value),
                 "target": shown(indicator, indicator.period_targets.get(c))}
                for c in labels if c in points
            ],
            "latest_text": shown(indicator, indicator.latest_value),
            "milestones": indicator.milestone_list,
            "warning": warning,
            "splits": (splits or {}).get(indicator.pk, []),
        })
    return charts


def _detail_context(request, figures, actions, indicators):
    warnings = figures.warnings_for(actions)
    updates = (
        ProgressUpdate.objects.visible_to(request.user)
        .filter(action__in=[action.pk for action in actions])
        .select_related("member", "action", "period")
        .order_by("-period__start", "-submitted_at", "member__name")
    )
    # The participants: a summary of the whole (how many, by their latest update's state) and a page of them.
    participating = _participations(request.user, actions)
    summary = _participant_states(request.user, actions)
    participants_page = Paginator(participating, PARTICIPANTS_PER_PAGE).get_page(request.GET.get("participants"))
    participations = list(participants_page.object_list)
    # The timeline reads only the periods its page falls in, not every update of the actions.
    page = GroupedPaginator(updates, UPDATES_PER_PAGE, group="-period__start").get_page(request.GET.get("page"))
    return {
        "plan": figures.plan,
        "elapsed": figures.elapsed,
        "periods": figures.periods,
        "warnings": warnings,
        "indicator_charts": _indicator_charts(indicators, figures.periods, warnings, indicator_splits(indicators)),
        "participations": participations,
        "participants_page": participants_page,
        "participant_total": sum(summary.values()),
        "participant_states": [
            (state, n) for state, n in sorted(summary.items(), key=lambda item: STATE_ORDER.get(item[0], 99))
        ],
        "updates_page": page,
        "demo": any(p.is_demo or p.latest_is_demo for p in participations) or any(u.is_demo for u in page),
    }


@require_safe
@reader_required
def goal_detail(request, code: str):
    figures = plan_figures(_current_plan(request))
    goal = figures.goal(code)
    if goal is None:
        raise Http404
    return goal_detail_page(request, figures, goal)


def goal_detail_page(request, figures, goal, *, commentary_form=None):
    actions = goal.action_list
    participants = dict(
        Participation.objects.filter(action__in=[a.pk for a in actions]).order_by().values("action")
        .annotate(n=Count("pk")).values_list("action", "n")
    )
    for action in actions:
        action.participant_count = participants.get(action.pk, 0)
    indicators = [indicator for action in actions for indicator in action.indicator_list]
    context = _detail_context(request, figures, actions, indicators)
    context.update(goal=goal, progress=goal.figure, actions=actions)
    notes = commentary_for(user=request.user, goal=goal, actions=actions)
    context.update(_commentary_context(request, figures, notes["goal"], goal=goal, form=commentary_form))
    context["action_commentary"] = [(a, notes["actions"][a.pk]) for a in actions if a.pk in notes["actions"]]
    context["commentary_url"] = reverse("goal-commentary", args=[goal.code])
    return render(request, "actions/goal_detail.html", context)


@require_safe
@reader_required
def action_detail(request, code: str):
    figures = plan_figures(_current_plan(request))
    if not any(action.code == code for action in figures.all_actions):
        raise Http404
    return action_detail_page(request, figures, code)


def action_detail_page(request, figures, code: str, *, commentary_form=None):
    action = get_visible_or_404(
        request.user,
        Action.objects.filter(goal__plan=figures.plan).select_related("goal", "lead").prefetch_related("sdgs"),
        code=code,
    )
    computed = next(a for a in figures.all_actions if a.pk == action.pk)
    context = _detail_context(request, figures, [action], computed.indicator_list)
    context.update(action=action, goal=action.goal, progress=computed.figure, computed=computed)
    notes = commentary_for(user=request.user, actions=[action])
    context.update(_commentary_context(
        request, figures, notes["actions"].get(action.pk, []), action=action, form=commentary_form
    ))
    context["commentary_url"] = reverse("action-commentary", args=[action.code])
    # "Report on this": for a focal point whose member takes part in the action.
    member = None if is_secretariat(request.user) else member_of(request.user)
    if member is not None and any(p.member_id == member.pk for p in context["participations"]):
        context.update(reporting_member=member, report_slot=action_report_slot(member, action))
    return render(request, "actions/action_detail.html", context)


# --- the secretariat's commentary ---------------------------------------------------------------------


def _commentary_context(request, figures, notes, *, goal=None, action=None, form=None) -> dict:
    """The notes a goal's or action's page shows, and for staff the form to
    write one: on the period asked for (?commentary=<code>), else the
    reference period, holding that period's note if there is one."""
    context = {"commentary": notes}
    if not can_write_commentary(request.user) or not figures.periods:
        return context
    if form is None:
        period = figures.period(request.GET.get("commentary"))
        subject = {"goal_id": goal.pk} if goal is not None else {"action_id": action.pk}
        note = Commentary.objects.filter(period=period, **subject).first() if period is not None else None
        form = CommentaryForm(
            periods=figures.periods,
            initial={"period": period.code if period else "", "text": note.text if note else "",
                     "version": note.version if note else 0},
        )
    context["commentary_form"] = form
    return context


def _commentary_post(request, figures, *, goal=None, action=None, page_url: str, render_page):
    if not can_write_commentary(request.user):
        raise Http404
    form = CommentaryForm(request.POST, periods=figures.periods)
    if form.is_valid():
        period = figures.period(form.cleaned_data["period"])
        try:
            with transaction.atomic():
                commentary_save(
                    user=request.user, period=period, goal=goal, action=action, text=form.cleaned_data["text"],
                    expected_version=form.cleaned_data["version"],
                )
        except ConflictError:
            form.add_error(None, _("Someone else saved this commentary since you opened it; nothing of yours "
                                   "was saved. Your text is still below: open the period again to see theirs."))
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        except ServiceError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Commentary for %(period)s saved.") % {"period": period.code})
            return redirect(f"{page_url}?commentary={period.code}#commentary")
    messages.error(request, _("Nothing was saved: correct the fields marked below."))
    return render_page(form)


@require_POST
@login_required
def goal_commentary(request, code: str):
    figures = plan_figures(_current_plan(request))
    goal = figures.goal(code)
    if goal is None:
        raise Http404

    def render_page(form):
        response = goal_detail_page(request, figures, goal, commentary_form=form)
        response.status_code = 400
        return response

    return _commentary_post(request, figures, goal=goal, page_url=reverse("goal-detail", args=[goal.code]),
                            render_page=render_page)


@require_POST
@login_required
def action_commentary(request, code: str):
    figures = plan_figures(_current_plan(request))
    if not any(action.code == code for action in figures.all_actions):
        raise Http404
    action = get_visible_or_404(request.user, Action.objects.filter(goal__plan=figures.plan), code=code)

    def render_page(form):
        response = action_detail_page(request, figures, action.code, commentary_form=form)
        response.status_code = 400
        return response

    return _commentary_post(request, figures, action=action, page_url=reverse("action-detail", args=[action.code]),
                            render_page=render_page)


# --- members --------------------------------------------------------------------------------------------

SORTS = ("name", "-name", "region", "compliance", "-compliance", "actions")


def _member_sort_key(sort: str, counts: dict):
    """Sort keys over (pk, name, region order, region name, action count) rows;
    members without a compliance figure come last either way."""
    def rate(row):
        return counts.get(row[0], {}).get("rate")

    keys = {
        "name": lambda row: (row[1],),
        "-name": lambda row: (row[1],),
        "region": lambda row: (row[2], row[3], row[1]),
        "compliance": lambda row: (rate(row) is None, rate(row) or 0, row[1]),
        "-compliance": lambda row: (rate(row) is None, -(rate(row) or 0), row[1]),
        "actions": lambda row: (-(row[4] or 0), row[1]),
    }
    return keys[sort]


@require_safe
@login_required
def member_list(request):
    """Members with their compliance in a period; filters and sorting are links
    (query parameters), so every view can be bookmarked. Sorting by compliance
    sorts the engine's figures."""
    plan = Plan.objects.visible_to(request.user).current()
    figures = plan_figures(plan) if plan else None
    period = figures.period(request.GET.get("period")) if figures else None
    filterset = MemberFilterSet(request.GET or None, queryset=Member.objects.select_related("region"))
    members = filterset.qs if filterset.is_bound and filterset.is_valid() else Member.objects.select_related("region")
    participations = (
        Participation.objects.filter(action__goal__plan=plan, action__retired=False).order_by()
        if plan is not None else Participation.objects.none()
    )

    def action_counts(member_ids=None) -> dict[int, int]:
        """{member id: the plan's actions it takes part in}, of every member or of `member_ids`."""
        rows = participations if member_ids is None else participations.filter(member__in=member_ids)
        return dict(rows.values_list("member").annotate(n=Count("pk")))

    counts = figures.compliance.member_counts(period) if period is not None else {}
    sort = request.GET.get("sort", "name")
    if sort not in SORTS or (sort.lstrip("-") in ("compliance", "actions") and period is None):
        sort = "name"
    # Every member's count in one grouped query only when it is the sort; otherwise the page's.
    n_actions = action_counts() if sort == "actions" else {}
    rows = [(*row, n_actions.get(row[0], 0))
            for row in members.order_by().values_list("pk", "name", "region__order", "region__name")]
    rows.sort(key=_member_sort_key(sort, counts), reverse=sort == "-name")
    page = Paginator([row[0] for row in rows], MEMBERS_PER_PAGE).get_page(request.GET.get("page"))
    by_pk = members.in_bulk(list(page.object_list))
    page.object_list = [by_pk[pk] for pk in page.object_list]
    if sort != "actions":
        n_actions = action_counts([member.pk for member in page.object_list])
    for member in page.object_list:
        member.action_count = n_actions.get(member.pk, 0)
        own = counts.get(member.pk, empty_counts())
        member.slots_expected, member.slots_on_time = own["expected"], own["on_time"]
        member.slots_late, member.slots_missing = own["late"], own["missing"]
        member.compliance = own["rate"]
    countries = Member.objects.order_by("country_code").values_list("country_code", "country").distinct()
    context = {
        "plan": plan,
        "periods": figures.periods if figures else [],
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


@require_safe
@login_required
def member_detail(request, slug: str):
    """One member: its actions with their latest update, its compliance over
    time, and its updates (filterable by period, action and state)."""
    member = get_visible_or_404(request.user, Member.objects.select_related("region"), slug=slug)
    plan = Plan.objects.visible_to(request.user).current()
    context = {"member": member, "plan": plan, "show_provenance": can_see_provenance(request.user)}
    updates = ProgressUpdate.objects.visible_to(request.user).filter(member=member)
    if plan is not None:
        figures = plan_figures(plan)
        progress = {action.pk: action.progress for action in figures.all_actions}
        latest = updates.filter(action=OuterRef("pk")).order_by("-period__start")
        actions = list(
            Action.objects.filter(goal__plan=plan, participations__member=member)
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
        for action in actions:
            action.progress = progress.get(action.pk)
        compliance = figures.compliance.per_period(member=member)
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
