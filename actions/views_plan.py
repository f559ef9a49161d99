"""The secretariat's plan pages under /plan/: the outline of a plan, forms to
create and edit goals, actions and indicators, in-place htmx
edits, an action's history and restore, spreadsheet import/export and
carry-over to a new plan.

Everyone who may see the dashboards reads these pages; only `can_edit_plan`
users see edit controls, and every URL that changes something is wrapped in
`plan_editor_required`. Views stay thin: forms shape input, services decide.
"""

from __future__ import annotations

import base64
import hashlib

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from actions import plan_import, services
from actions.forms import (
    ActionForm,
    CarryOverForm,
    GoalForm,
    ImportForm,
    IndicatorForm,
    MilestoneFormSet,
    StatusForm,
    member_choices,
)
from actions.history import action_history, changes_since
from actions.languages import translated
from actions.models import Action, Goal, Indicator, Plan
from actions.outline import plan_outline
from actions.spreadsheet import export_csv, export_xlsx
from actions.translation import language_name, missing_translations
from members.models import Member
from metroplan.db_router import replica_reads
from metroplan.permissions import can_edit_plan, plan_editor_required, reader_required
from metroplan.services import ConflictError, ServiceError, ValidationError

IMPORT_SESSION_KEY = "plan_import"


# --- lookups ----------------------------------------------------------------------


def _plan(request) -> Plan:
    """The plan named by ?plan=<code>, else the current one, within what the user may see."""
    plans = Plan.objects.visible_to(request.user)
    code = request.GET.get("plan")
    plan = plans.filter(code=code).first() if code else plans.current()
    if plan is None:
        raise Http404(_("No such plan."))
    return plan


def _plan_qs(plan: Plan) -> str:
    return "" if plan.is_current else f"?plan={plan.code}"


def _url(name: str, plan: Plan, *args) -> str:
    return reverse(name, args=args) + _plan_qs(plan)


def _goal(plan, code) -> Goal:
    return get_object_or_404(Goal.objects.filter(plan=plan), code=code)


def _action(plan, code) -> Action:
    action = (
        Action.objects.filter(goal__plan=plan, code=code)
        .select_related("goal__plan", "lead", "carried_from__goal__plan")
        .order_by("pk")
        .first()
    )
    if action is None:
        raise Http404(_("No such action."))
    return action


def _indicator(action, code) -> Indicator:
    return get_object_or_404(Indicator.objects.filter(action=action).select_related("action"), code=code)


def _context(request, plan, **extra) -> dict:
    return {
        "plan": plan,
        "plan_qs": _plan_qs(plan),
        "can_edit": can_edit_plan(request.user),
        **extra,
    }


def _keep_typed_values(form, current_version: int):
    """After a conflict: the same typed values, now on the current version, so a
    second, informed save goes through."""
    data = form.data.copy()
    data["version"] = str(current_version)
    form.data = data


# --- outline ----------------------------------------------------------------------


@reader_required
@require_GET
def plan_outline_view(request):
    plan = _plan(request)
    return render(request, "actions/plan/outline.html", _outline_context(request, plan))


def _outline_context(request, plan, **extra):
    goals = list(plan_outline(plan))
    return _context(
        request, plan,
        goals=goals,
        translation_gaps=_translation_gaps(goals) if can_edit_plan(request.user) else [],
        plans=Plan.objects.visible_to(request.user).order_by("-start_date"),
        status_choices=Action.Status.choices,
        **extra,
    )


def _translation_gaps(goals) -> list[tuple[str, list[str]]]:
    """(language name, codes of the items that lack a text in it), for the
    languages other than English, from the outline already fetched."""
    gaps: dict[str, list[str]] = {}
    for goal in goals:
        items = [goal]
        for action in goal.actions.all():
            items += [action, *action.indicators.all()]
        for item in items:
            for code in missing_translations(item):
                gaps.setdefault(code, []).append(item.code)
    return [(language_name(code), codes) for code, codes in gaps.items()]


def _outline_or_redirect(request, plan, anchor: str = ""):
    if request.htmx:
        return render(request, "actions/plan/_outline.html", _outline_context(request, plan))
    return redirect(_url("plan-outline", plan) + anchor)


# --- goals ------------------------------------------------------------------------


@plan_editor_required
@require_http_methods(["GET", "POST"])
def goal_create_view(request):
    plan = _plan(request)
    form = GoalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            goal = services.goal_create(
                user=request.user, plan=plan, data=form.service_data(), sdgs=form.cleaned_data["sdgs"]
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("Goal %(code)s created.") % {"code": goal.code})
            return redirect(_url("plan-outline", plan) + f"#goal-{goal.code}")
    return render(request, "actions/plan/goal_form.html", _context(request, plan, form=form, goal=None))


@plan_editor_required
@require_http_methods(["GET", "POST"])
def goal_edit_view(request, code):
    plan = _plan(request)
    goal = _goal(plan, code)
    initial = {name: getattr(goal, name) for name in ["code", *translated("title", "description")]}
    initial.update(version=goal.version, sdgs=list(goal.sdgs.values_list("number", flat=True)))
    form = GoalForm(request.POST or None, initial=initial)
    conflict = None
    if request.method == "POST" and form.is_valid():
        try:
            goal = services.goal_update(
                user=request.user, goal=goal, data=form.service_data(), sdgs=form.cleaned_data["sdgs"],
                expected_version=form.cleaned_data["version"],
            )
        except ConflictError as exc:
            conflict = changes_since(goal, form.cleaned_data["version"])
            _keep_typed_values(form, exc.current_version)
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("Goal %(code)s saved.") % {"code": goal.code})
            return redirect(_url("plan-outline", plan) + f"#goal-{goal.code}")
    return render(
        request, "actions/plan/goal_form.html", _context(request, plan, form=form, goal=goal, conflict=conflict)
    )


@plan_editor_required
@require_POST
def goal_retire_view(request, code):
    plan = _plan(request)
    goal = _goal(plan, code)
    services.goal_retire(user=request.user, goal=goal, retired=request.POST.get("retired", "1") == "1")
    return _outline_or_redirect(request, plan, f"#goal-{goal.code}")


@plan_editor_required
@require_POST
def goal_move_view(request, code):
    plan = _plan(request)
    goal = _goal(plan, code)
    services.goal_move(user=request.user, goal=goal, direction=request.POST.get("direction", "up"))
    return _outline_or_redirect(request, plan, f"#goal-{goal.code}")


# --- actions ----------------------------------------------------------------------


def _action_form_page(request, plan, form, action, conflict=None):
    return render(
        request, "actions/plan/action_form.html",
        _context(request, plan, form=form, action=action, conflict=conflict),
    )


@plan_editor_required
@require_http_methods(["GET", "POST"])
def action_create_view(request, goal_code):
    plan = _plan(request)
    goal = _goal(plan, goal_code)
    initial = {"goal": goal.pk, "start_date": plan.start_date, "end_date": plan.end_date, "weight": 1,
               "lead": request.user.pk}
    form = ActionForm(request.POST or None, plan=plan, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            action = services.action_create(
                user=request.user, goal=goal, data=form.service_data(), sdgs=form.cleaned_data["sdgs"],
                participants=form.cleaned_data["participants"],
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("Action %(code)s created. Add its indicators below.") % {"code": action.code})
            return redirect(_url("plan-action", plan, action.code))
    return _action_form_page(request, plan, form, None)


@reader_required
@require_GET
def action_page_view(request, code):
    plan = _plan(request)
    action = _action(plan, code)
    indicators = action.indicators.prefetch_related("milestones").order_by("order", "code")
    return render(
        request, "actions/plan/action_page.html",
        _context(request, plan, action=action, indicators=indicators, **_participants_context(action)),
    )


def _participants_context(action) -> dict:
    taking_part = list(
        action.participations.select_related("member__region").order_by("member__region__order", "member__name")
    )
    by_region: dict[str, list] = {}
    for participation in taking_part:
        by_region.setdefault(participation.member.region.name, []).append(participation.member)
    ids = {p.member_id for p in taking_part}
    addable = [(region, [(pk, name) for pk, name in members if pk not in ids]) for region, members in member_choices()]
    return {
        "participants_by_region": by_region,
        "participant_count": len(taking_part),
        "addable_members": [(region, members) for region, members in addable if members],
    }


@plan_editor_required
@require_http_methods(["GET", "POST"])
def action_edit_view(request, code):
    plan = _plan(request)
    action = _action(plan, code)
    initial = {
        name: getattr(action, name)
        for name in ["code", "start_date", "end_date", "status", "weight", *translated("title", "description")]
    }
    initial.update(
        goal=action.goal_id, lead=action.lead_id, version=action.version,
        sdgs=list(action.sdgs.values_list("number", flat=True)),
        participants=list(action.participations.values_list("member_id", flat=True)),
    )
    form = ActionForm(request.POST or None, plan=plan, initial=initial)
    conflict = None
    if request.method == "POST" and form.is_valid():
        try:
            action = services.action_update(
                user=request.user, action=action, data=form.service_data(), sdgs=form.cleaned_data["sdgs"],
                participants=form.cleaned_data["participants"], expected_version=form.cleaned_data["version"],
            )
        except ConflictError as exc:
            conflict = changes_since(action, form.cleaned_data["version"])
            _keep_typed_values(form, exc.current_version)
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("Action %(code)s saved.") % {"code": action.code})
            return redirect(_url("plan-action", plan, action.code))
    return _action_form_page(request, plan, form, action, conflict)


@plan_editor_required
@require_POST
def action_retire_view(request, code):
    plan = _plan(request)
    action = _action(plan, code)
    retired = request.POST.get("retired", "1") == "1"
    services.action_retire(user=request.user, action=action, retired=retired)
    if request.htmx:
        return _outline_or_redirect(request, plan)
    messages.success(
        request, (_("Action %(code)s retired.") if retired else _("Action %(code)s is back.")) % {"code": action.code}
    )
    return redirect(_url("plan-action", plan, action.code))


@plan_editor_required
@require_POST
def action_move_view(request, code):
    plan = _plan(request)
    action = _action(plan, code)
    services.action_move(user=request.user, action=action, direction=request.POST.get("direction", "up"))
    return _outline_or_redirect(request, plan, f"#action-{action.code}")


@plan_editor_required
@require_POST
def action_status_view(request, code):
    """In-place status change; refused when the action changed since the page was loaded."""
    plan = _plan(request)
    action = _action(plan, code)
    form = StatusForm(request.POST)
    note, error = "", ""
    if form.is_valid():
        try:
            action = services.action_update(
                user=request.user, action=action, data={"status": form.cleaned_data["status"]},
                expected_version=form.cleaned_data["version"],
            )
            note = _("Saved.")
        except ConflictError:
            action.refresh_from_db()
            summary = changes_since(action, form.cleaned_data["version"])
            who = summary.who.get_username() if summary.who else _("someone")
            error = _(
                "Not saved: %(who)s changed this action since you loaded the page. It is now shown as stored."
            ) % {"who": who}
    else:
        error = _("Choose a status.")
    if not request.htmx:
        if error:
            messages.error(request, error)
        return redirect(_url("plan-outline", plan) + f"#action-{action.code}")
    return render(
        request, "actions/plan/_action_status.html",
        _context(request, plan, action=action, status_choices=Action.Status.choices, note=note, error=error),
    )


@plan_editor_required
@require_POST
def action_participant_view(request, code):
    """In-place: add or remove one participating member."""
    plan = _plan(request)
    action = _action(plan, code)
    member = get_object_or_404(Member, pk=request.POST.get("member") or 0)
    taking_part = request.POST.get("taking_part", "1") == "1"
    action = services.action_participant_set(
        user=request.user, action=action, member_id=member.pk, taking_part=taking_part
    )
    note = (_("%(name)s added.") if taking_part else _("%(name)s removed.")) % {"name": member.name}
    if not request.htmx:
        messages.success(request, note)
        return redirect(_url("plan-action", plan, action.code) + "#participants")
    return render(
        request, "actions/plan/_participants.html",
        _context(request, plan, action=action, note=note, **_participants_context(action)),
    )


@plan_editor_required
@require_GET
def action_history_view(request, code):
    plan = _plan(request)
    action = _action(plan, code)
    return render(
        request, "actions/plan/history.html", _context(request, plan, action=action, history=action_history(action))
    )


@plan_editor_required
@require_POST
def action_restore_view(request, code, history_id):
    plan = _plan(request)
    action = _action(plan, code)
    try:
        version = int(request.POST.get("version") or 0) or None
        action = services.action_restore(
            user=request.user, action=action, history_id=history_id, expected_version=version
        )
    except ConflictError:
        messages.error(request, _("Not restored: the action changed while you were reading its history. "
                                  "Look at the newest change and try again."))
        return redirect(_url("plan-action-history", plan, action.code))
    except ValidationError as exc:
        messages.error(request, _("That version cannot be restored: %(reason)s") % {"reason": " ".join(exc.messages)})
        return redirect(_url("plan-action-history", plan, action.code))
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect(_url("plan-action-history", plan, action.code))
    messages.success(request, _("Restored. This is now version %(version)s.") % {"version": action.version})
    return redirect(_url("plan-action-history", plan, action.code))


# --- indicators -------------------------------------------------------------------


def _indicator_page(request, plan, action, indicator, form, formset, conflict=None):
    return render(
        request, "actions/plan/indicator_form.html",
        _context(request, plan, action=action, indicator=indicator, form=form, formset=formset, conflict=conflict),
    )


def _milestone_errors(formset, exc) -> bool:
    """Put a service's milestone errors on the formset; True if there were any."""
    messages_ = getattr(exc, "message_dict", {}).get("milestones")
    if messages_:
        formset._non_form_errors = formset.error_class(messages_)
        return True
    return False


@plan_editor_required
@require_http_methods(["GET", "POST"])
def indicator_create_view(request, code):
    plan = _plan(request)
    action = _action(plan, code)
    form = IndicatorForm(request.POST or None, initial={"direction": Indicator.Direction.INCREASE})
    formset = MilestoneFormSet(request.POST or None, prefix="ms")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            services.indicator_create(
                user=request.user, action=action, data=form.service_data(), milestones=formset.milestones()
            )
        except ValidationError as exc:
            _milestone_errors(formset, exc)
            exc_without = {k: v for k, v in exc.message_dict.items() if k != "milestones"}
            if exc_without:
                form.add_service_errors(ValidationError(exc_without))
        else:
            messages.success(request, _("Indicator %(code)s added.") % {"code": form.cleaned_data["code"]})
            if "add_another" in request.POST:
                return redirect(_url("plan-indicator-create", plan, action.code))
            return redirect(_url("plan-action", plan, action.code) + "#indicators")
    return _indicator_page(request, plan, action, None, form, formset)


@plan_editor_required
@require_http_methods(["GET", "POST"])
def indicator_edit_view(request, code, indicator_code):
    plan = _plan(request)
    action = _action(plan, code)
    indicator = _indicator(action, indicator_code)
    initial = {
        name: getattr(indicator, name)
        for name in ["code", "unit", "baseline", "target", "direction", "by_sex", "by_age", "jump_factor",
                     *Indicator.RULE_FIELDS, *translated("name", "description")]
    }
    initial["version"] = indicator.version
    form = IndicatorForm(request.POST or None, initial=initial)
    formset = MilestoneFormSet(
        request.POST or None, prefix="ms",
        initial=[{"year": m.year, "value": m.value} for m in indicator.milestones.all()],
    )
    conflict = None
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            indicator = services.indicator_update(
                user=request.user, indicator=indicator, data=form.service_data(), milestones=formset.milestones(),
                expected_version=form.cleaned_data["version"],
            )
        except ConflictError as exc:
            conflict = changes_since(indicator, form.cleaned_data["version"])
            _keep_typed_values(form, exc.current_version)
        except ValidationError as exc:
            _milestone_errors(formset, exc)
            exc_without = {k: v for k, v in exc.message_dict.items() if k != "milestones"}
            if exc_without:
                form.add_service_errors(ValidationError(exc_without))
        else:
            messages.success(request, _("Indicator %(code)s saved.") % {"code": indicator.code})
            return redirect(_url("plan-action", plan, action.code) + "#indicators")
    return _indicator_page(request, plan, action, indicator, form, formset, conflict)


@plan_editor_required
@require_POST
def indicator_retire_view(request, code, indicator_code):
    plan = _plan(request)
    action = _action(plan, code)
    indicator = _indicator(action, indicator_code)
    services.indicator_retire(user=request.user, indicator=indicator, retired=request.POST.get("retired", "1") == "1")
    if request.htmx:
        return _outline_or_redirect(request, plan)
    return redirect(_url("plan-action", plan, action.code) + "#indicators")


@plan_editor_required
@require_POST
def indicator_move_view(request, code, indicator_code):
    plan = _plan(request)
    action = _action(plan, code)
    indicator = _indicator(action, indicator_code)
    services.indicator_move(user=request.user, indicator=indicator, direction=request.POST.get("direction", "up"))
    if request.htmx:
        return _outline_or_redirect(request, plan)
    return redirect(_url("plan-action", plan, action.code) + "#indicators")


# --- import / export --------------------------------------------------------------


def _export_name(plan, extension: str) -> str:
    return f"metroplan-plan-{plan.code}-{timezone.localdate():%Y%m%d}.{extension}"


@reader_required
@require_GET
def export_xlsx_view(request):
    plan = _plan(request)
    with replica_reads():
        body = export_xlsx(plan)
    response = HttpResponse(
        body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{_export_name(plan, "xlsx")}"'
    return response


@reader_required
@require_GET
def export_csv_view(request):
    plan = _plan(request)
    sheet = request.GET.get("sheet")
    if sheet and sheet.capitalize() not in ("Goals", "Actions", "Indicators", "Participants"):
        raise Http404(_("No such sheet."))
    with replica_reads():
        body = export_csv(plan, sheet.capitalize() if sheet else None)
    response = HttpResponse(body, content_type="text/csv")
    name = _export_name(plan, "csv").replace(".csv", f"-{sheet.lower()}.csv" if sheet else ".csv")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@plan_editor_required
@require_http_methods(["GET", "POST"])
def import_view(request):
    """Upload an edited workbook: nothing changes yet, the page shows a preview."""
    plan = _plan(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        content = form.cleaned_data["file"].read()
        result = plan_import.plan_import_preview(user=request.user, plan=plan, content=content)
        digest = hashlib.sha256(content).hexdigest()
        if result.ok:
            request.session[IMPORT_SESSION_KEY] = {
                "plan": plan.code, "digest": digest, "name": form.cleaned_data["file"].name,
                "content": base64.b64encode(content).decode("ascii"),
            }
        else:
            request.session.pop(IMPORT_SESSION_KEY, None)
        return render(
            request, "actions/plan/import_preview.html",
            _context(request, plan, result=result, digest=digest, file_name=form.cleaned_data["file"].name),
            status=200 if result.ok else 400,
        )
    # A POST that gets here had a bad or empty file: never a success.
    return render(request, "actions/plan/import.html", _context(request, plan, form=form),
                  status=400 if request.method == "POST" else 200)


@plan_editor_required
@require_POST
def import_apply_view(request):
    """Apply the previewed upload, all or nothing."""
    plan = _plan(request)
    stored = request.session.get(IMPORT_SESSION_KEY)
    if not stored or stored["plan"] != plan.code or stored["digest"] != request.POST.get("digest"):
        messages.error(request, _("That preview has expired. Upload the file again."))
        return redirect(_url("plan-import", plan))
    content = base64.b64decode(stored["content"])
    try:
        result = plan_import.plan_import_apply(user=request.user, plan=plan, content=content)
    except plan_import.ImportRefused as exc:
        return render(
            request, "actions/plan/import_preview.html",
            _context(request, plan, result=exc.result, digest=None, file_name=stored["name"], refused=exc.message),
        )
    request.session.pop(IMPORT_SESSION_KEY, None)
    messages.success(
        request,
        _("Imported: %(created)s created, %(updated)s updated, %(deleted)s deleted.")
        % {"created": result.created, "updated": result.updated, "deleted": result.deleted},
    )
    return redirect(_url("plan-outline", plan))


# --- carry-over -------------------------------------------------------------------


@plan_editor_required
@require_http_methods(["GET", "POST"])
def carry_over_view(request):
    source = _plan(request)
    year = source.end_date.year + 1
    initial = {
        "code": f"{year}-{year + 2}",
        "name": source.name.replace(source.code, f"{year}-{year + 2}") if source.code in source.name else "",
        "start_date": f"{year}-01-01", "end_date": f"{year + 2}-12-31",
    }
    form = CarryOverForm(request.POST or None, source=source, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            plan = services.plan_carry_over(
                user=request.user, source=source, code=data["code"], name=data["name"],
                start_date=data["start_date"], end_date=data["end_date"], goal_ids=data["goals"],
                action_ids=data["actions"], copy_indicators=data["copy_indicators"],
                copy_participants=data["copy_participants"],
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("Plan %(code)s started as a draft.") % {"code": plan.code})
            return redirect(_url("plan-outline", plan))
    goals = plan_outline(source, include_retired=False)
    return render(request, "actions/plan/carry_over.html", _context(request, source, form=form, goals=goals))
