"""The update pages: what a focal point owes, the update form, the review
queue, an update's history, reopening requests and the spreadsheet round-trip.

Views are thin: they resolve objects through the permission boundary (404 for
what the user may not see), turn forms into service calls and render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST, require_safe

from actions.disaggregation import breakdowns_of
from actions.models import Action, Goal
from members.models import Member, Region
from metroplan.files import serve_file
from metroplan.permissions import (
    can_edit_update,
    can_read_update_history,
    can_request_reopening,
    can_review,
    can_review_update,
    can_write_update_for,
    member_of,
)
from metroplan.security import safe_next
from metroplan.services import ConflictError, PermissionDenied, ServiceError, ValidationError
from metroplan.visibility import get_visible_or_404, visible
from reporting import forms, services, spreadsheet
from reporting import selectors_updates as selectors
from reporting.forms import (
    ReopeningGrantForm,
    ReopeningRequestForm,
    ReturnForm,
    SpreadsheetUploadForm,
)
from reporting.models import Evidence, PeriodReopening, ProgressUpdate, ReportingPeriod
from reporting.quality import flag_count, update_checks


def _add_service_errors(form, exc: ValidationError) -> None:
    """Put a service's field errors next to the form's fields."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    aliases = {"file": "evidence_file", "url": "evidence_url"}
    for field, errors in exc.message_dict.items():
        name = aliases.get(field, field)
        if name.startswith("indicator_"):
            rest = name.removeprefix("indicator_")  # "12" (the value) or "12_women" (a part of it)
            name = f"ind_{rest}_value" if rest.isdigit() else f"ind_{rest}"
        form.add_error(name if name in form.fields else None, errors)


def _require_reviewer(request) -> None:
    if not can_review(request.user):
        raise Http404


# What is due ----------------------------------------------------------------------------


@login_required
def updates_home(request):
    """A focal point's due list and past updates; staff go to the review queue."""
    if can_review(request.user):
        return redirect("update-review-queue")
    member = member_of(request.user)
    if member is None:
        return render(request, "reporting/updates_none.html", status=200)
    today = timezone.localdate()
    slots = selectors.due_slots(member, today=today)
    period_ids = {slot.period.pk for slot in slots}
    past = Paginator(selectors.past_updates(member, exclude_period_ids=period_ids), 25).get_page(
        request.GET.get("page")
    )
    requests_by_period = {
        r.period_id: r
        for r in PeriodReopening.objects.filter(member=member).select_related("period").order_by("requested_at")
    }
    closed_periods = (
        visible(request.user, ReportingPeriod).filter(plan__is_current=True, is_open=False)
        .exclude(pk__in=period_ids)
        .order_by("-start")
    )
    return render(request, "reporting/updates_home.html", {
        "member": member, "slots": slots, "past": past, "today": today, "closed_periods": closed_periods,
        "reopen_form": ReopeningRequestForm(),
        "reopenings": list(requests_by_period.values()),
        "counts": {
            "overdue": sum(1 for s in slots if s.overdue),
            "to_do": sum(1 for s in slots if s.needs_action),
        },
    })


# The update form --------------------------------------------------------------------------


def _resolve_slot(request, member_slug: str, period_code: str, action_code: str):
    """(member, period, action) for the user, or 404: a member the user does not
    report for is 404 whether or not an update exists there."""
    member = Member.objects.filter(slug=member_slug).first()
    if member is None or not can_write_update_for(request.user, member):
        raise Http404
    period = (
        visible(request.user, ReportingPeriod)
        .filter(code=period_code)
        .select_related("plan")
        .order_by("-start")
        .first()
    )
    if period is None:
        raise Http404
    action = (
        visible(request.user, Action)
        .filter(goal__plan=period.plan, code=action_code, participations__member=member)
        .select_related("goal")
        .first()
    )
    if action is None:
        raise Http404
    return member, period, action


def _slot_url(update_or_member, period=None, action=None) -> str:
    if period is None:
        update = update_or_member
        return reverse("update-edit", args=[update.member.slug, update.period.code, update.action.code])
    return reverse("update-edit", args=[update_or_member.slug, period.code, action.code])


def _stored_update(member, period, action):
    return (
        ProgressUpdate.objects.filter(member=member, period=period, action=action)
        .select_related("reviewed_by", "submitted_by")
        .prefetch_related("values", "evidence")
        .first()
    )


@login_required
def update_edit(request, member_slug: str, period_code: str, action_code: str):
    member, period, action = _resolve_slot(request, member_slug, period_code, action_code)
    update = _stored_update(member, period, action)
    if update is not None and not can_edit_update(request.user, update):
        if request.method == "POST":
            # A second click on "submit", or a tab left open: say why nothing changed.
            messages.info(request, _("Nothing was changed: this update is already %(state)s.")
                          % {"state": update.get_state_display().lower()})
        return redirect("update-detail", pk=update.pk)
    indicators = list(action.indicators.filter(retired=False).order_by("order", "code"))
    checks = _checks_by_indicator(update)

    def page_form(*args, **kwargs):
        """The page's form, carrying the saved update's quality checks."""
        form = forms.UpdateForm(*args, **kwargs)
        form.checks = checks
        return form

    prefill = services.update_prefill(member=member, action=action, period=period)
    if update is None:
        initial = forms.UpdateForm.initial_from(
            narrative=prefill["narrative"], status=prefill["status"], values=prefill["values"], version=0
        )
    else:
        initial = forms.UpdateForm.initial_from(
            narrative=update.narrative, status=update.status,
            values=selectors.update_values_by_indicator(update), version=update.version,
        )
    lock_reason = services.period_lock_reason(period=period, member=member)
    context = {
        "member": member, "period": period, "action": action, "update": update, "indicators": indicators,
        "previous": prefill["previous"], "lock_reason": lock_reason, "conflict": None,
        "pending_reopening": PeriodReopening.objects.filter(
            member=member, period=period, state=PeriodReopening.State.REQUESTED
        ).first() if lock_reason else None,
        "reopen_form": ReopeningRequestForm(),
    }
    if request.method != "POST":
        context["form"] = page_form(initial=initial, indicators=indicators)
        return render(request, "reporting/update_form.html", context)

    intent = request.POST.get("intent", "save")
    if intent == "no_change" and request.POST.get("confirm") == "yes":
        return _submit_no_change(request, member, period, action, update)
    if intent == "no_change":
        # Ask first, and keep what was typed on the page: the carried-over update replaces it.
        context.update(
            form=page_form(initial=request.POST.dict(), indicators=indicators), confirm_no_change=True
        )
        return render(request, "reporting/update_form.html", context)
    form = page_form(request.POST, request.FILES, indicators=indicators)
    context["form"] = form
    if not form.is_valid():
        messages.error(request, _("Nothing was saved: correct the fields marked below."))
        return render(request, "reporting/update_form.html", context, status=400)
    data = form.cleaned_data
    try:
        with transaction.atomic():
            saved = services.update_save(
                user=request.user, member=member, action=action, period=period,
                narrative=data["narrative"], status=data["status"], values=data["values"],
                expected_version=data["version"],
            )
            if data.get("evidence_file") or data.get("evidence_url"):
                services.evidence_add(
                    user=request.user, update=saved, file=data.get("evidence_file"),
                    url=data.get("evidence_url", ""), title=data.get("evidence_title", ""),
                )
    except ConflictError as exc:
        stored = _stored_update(member, period, action)
        context.update(conflict=stored, stored_values=selectors.update_values_by_indicator(stored))
        form.data = form.data.copy()
        form.data["version"] = str(exc.current_version)
        messages.error(request, _(
            "Someone else saved this update since you opened it. Nothing of yours was saved. Your text is "
            "still below; compare it with the saved version, then save again to replace it."
        ))
        return render(request, "reporting/update_form.html", context, status=409)
    except ValidationError as exc:
        _add_service_errors(form, exc)
        messages.error(request, _("Nothing was saved: correct the fields marked below."))
        return render(request, "reporting/update_form.html", context, status=400)
    except (ServiceError, PermissionDenied) as exc:
        form.add_error(None, getattr(exc, "message", str(exc)))
        return render(request, "reporting/update_form.html", context, status=400)

    flagged = flag_count(update_checks([saved]).get(saved.pk, []))
    if flagged:
        messages.warning(request, ngettext(
            "%(count)d value is flagged for a check; the reason is next to it. You can still save and submit.",
            "%(count)d values are flagged for a check; the reasons are next to them. You can still save and submit.",
            flagged) % {"count": flagged})
    if intent != "submit":
        messages.success(request, _("Draft saved. Nothing is sent to the secretariat until you submit."))
        return redirect(_slot_url(member, period, action))
    try:
        with transaction.atomic():
            services.update_submit(user=request.user, update=saved, expected_version=saved.version)
    except (ValidationError, ServiceError) as exc:
        form.data = form.data.copy()
        form.data["version"] = str(saved.version)
        if isinstance(exc, ValidationError):
            _add_service_errors(form, exc)
            reason = _("it is not complete — see the fields marked below")
        else:
            form.add_error(None, exc.message)
            reason = exc.message
        messages.warning(request, _("Your changes are saved as a draft, but the update was not submitted: "
                                    "%(reason)s") % {"reason": reason})
        context["update"] = _stored_update(member, period, action)
        return render(request, "reporting/update_form.html", context, status=400)
    messages.success(request, _("Update submitted. The secretariat will review it; you will get an e-mail."))
    return redirect("updates")


def _submit_no_change(request, member, period, action, update):
    try:
        with transaction.atomic():
            services.update_submit_no_change(
                user=request.user, member=member, action=action, period=period,
                expected_version=int(request.POST.get("version") or 0),
            )
    except ConflictError:
        messages.error(request, _("Someone else saved this update since you opened it; nothing was submitted. "
                                  "Check the saved version below."))
        return redirect(_slot_url(member, period, action))
    except ValidationError as exc:
        messages.error(request, _("The previous update cannot be carried over as it is: %(errors)s. "
                                  "Fill in the form instead.") % {"errors": " ".join(exc.messages)})
        return redirect(_slot_url(member, period, action))
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect(_slot_url(member, period, action))
    messages.success(request, _("Submitted as “no change since last period”."))
    return redirect("updates")


# One update ----------------------------------------------------------------------------------


def _visible_update(request, pk: int) -> ProgressUpdate:
    return get_visible_or_404(
        request.user,
        ProgressUpdate.objects.select_related(
            "member", "member__region", "action", "action__goal", "period", "submitted_by", "reviewed_by",
            "created_by",
        ),
        pk=pk,
    )


def _checks_by_indicator(update) -> dict:
    """The data-quality checks of a saved update's values, by indicator id."""
    if update is None:
        return {}
    return {check.indicator.pk: check for check in update_checks([update]).get(update.pk, [])}


def _parts_shown(indicator, value) -> list:
    """(label, number) for each part the indicator asks for, for display."""
    if value is None or value.value is None:
        return []
    return [(label, getattr(value, name)) for breakdown in breakdowns_of(indicator) for name, label in breakdown.parts]


def _detail_context(request, update: ProgressUpdate, return_form=None) -> dict:
    checks = update_checks([update]).get(update.pk, [])
    return {
        "update": update,
        "indicators": [
            {"indicator": check.indicator, "value": check.value, "check": check,
             "parts": _parts_shown(check.indicator, check.value)}
            for check in checks
        ],
        "evidence": update.evidence.all(),
        "can_edit": can_edit_update(request.user, update),
        "can_review": can_review_update(request.user, update),
        "can_read_history": can_read_update_history(request.user, update),
        "return_form": return_form or ReturnForm(initial={"version": update.version}),
        "lock_reason": services.period_lock_reason(period=update.period, member=update.member),
        "edit_url": _slot_url(update),
    }


@login_required
def update_detail(request, pk: int):
    update = _visible_update(request, pk)
    return render(request, "reporting/update_detail.html", _detail_context(request, update))


@login_required
def update_history(request, pk: int):
    update = _visible_update(request, pk)
    if not can_read_update_history(request.user, update):
        raise Http404
    return render(request, "reporting/update_history.html", {
        "update": update, "entries": selectors.update_history(update),
    })


@login_required
@require_POST
def update_approve(request, pk: int):
    _require_reviewer(request)
    update = _visible_update(request, pk)
    try:
        with transaction.atomic():
            services.update_approve(
                user=request.user, update=update, expected_version=int(request.POST.get("version") or 0)
            )
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("update-detail", pk=pk)
    messages.success(request, _("Approved: %(update)s.") % {"update": update})
    return redirect("update-review-queue")


@login_required
@require_POST
def update_return(request, pk: int):
    _require_reviewer(request)
    update = _visible_update(request, pk)
    form = ReturnForm(request.POST)
    form.is_valid()
    try:
        with transaction.atomic():
            services.update_return(
                user=request.user, update=update, comment=form.cleaned_data.get("comment", ""),
                expected_version=form.cleaned_data.get("version"),
            )
    except ValidationError as exc:
        _add_service_errors(form, exc)
    except ServiceError as exc:
        form.add_error(None, exc.message)
    else:
        messages.success(request, _("Returned to %(member)s with your comment.") % {"member": update.member})
        return redirect("update-review-queue")
    # Keep the reviewer's comment on the page, with the reason it was refused.
    update.refresh_from_db()
    return render(request, "reporting/update_detail.html", _detail_context(request, update, form), status=400)


# Evidence ---------------------------------------------------------------------------------


def _visible_evidence(request, pk: int) -> Evidence:
    return get_visible_or_404(request.user, Evidence.objects.select_related("update"), pk=pk)


@login_required
@require_safe
def evidence_download(request, pk: int):
    evidence = _visible_evidence(request, pk)
    if not evidence.file:
        return redirect(evidence.url)
    return serve_file(request, evidence.file, filename=evidence.download_name)


@login_required
@require_POST
def evidence_remove(request, pk: int):
    evidence = _visible_evidence(request, pk)
    update = evidence.update
    if not can_write_update_for(request.user, update.member):
        raise Http404  # another member's evidence: as if it did not exist
    try:
        with transaction.atomic():
            services.evidence_remove(user=request.user, evidence=evidence)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Evidence removed."))
    return redirect(_slot_url(update))


# The review queue ---------------------------------------------------------------------------


@login_required
def review_queue(request):
    _require_reviewer(request)
    filterset, updates = selectors.review_queue_updates(request.GET, request.user)
    page = Paginator(updates, 50).get_page(request.GET.get("page"))
    flags = selectors.flags_by_update(page.object_list)
    for update in page.object_list:
        update.flag_count = flags.get(update.pk, 0)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "reporting/review_queue.html", {
        "filterset": filterset, "page": page, "now": timezone.now(), "query": query.urlencode(),
        "queue_filters": [(extra, request.GET.get(extra.param) == "yes") for extra in selectors.QUEUE_FILTERS],
        "regions": Region.objects.all(),
        "goals": Goal.objects.filter(plan__is_current=True).order_by("order"),
        "actions": Action.objects.filter(goal__plan__is_current=True).order_by("goal__order", "order"),
        "periods": ReportingPeriod.objects.filter(plan__is_current=True).order_by("-start"),
        "reopenings": selectors.pending_reopenings(),
        "grant_form": ReopeningGrantForm(),
    })


@login_required
@require_POST
def review_bulk_approve(request):
    _require_reviewer(request)
    expected = {}
    for raw in request.POST.getlist("update"):
        pk, _sep, version = raw.partition(":")
        if pk.isdigit():
            expected[int(pk)] = int(version) if version.isdigit() else None
    if not expected:
        messages.error(request, _("Tick the updates to approve first."))
        return redirect("update-review-queue")
    result = services.update_bulk_approve(
        user=request.user, update_ids=list(expected), expected_versions={k: v for k, v in expected.items() if v}
    )
    if result.approved:
        messages.success(request, _("Approved %(count)d updates.") % {"count": len(result.approved)})
    for pk, reason in result.skipped:
        messages.warning(request, _("Update #%(pk)s was not approved: %(reason)s") % {"pk": pk, "reason": reason})
    return redirect(safe_next(request, reverse("update-review-queue")))


# Reopening a closed period -------------------------------------------------------------------


@login_required
@require_POST
def reopening_request(request, member_slug: str, period_code: str | None = None):
    member = Member.objects.filter(slug=member_slug).first()
    if member is None or not can_request_reopening(request.user, member):
        raise Http404
    period_code = period_code or request.POST.get("period", "")
    period = visible(request.user, ReportingPeriod).filter(code=period_code).order_by("-start").first()
    if period is None:
        messages.error(request, _("Choose the period you need to report in."))
        return redirect(safe_next(request, reverse("updates")))
    form = ReopeningRequestForm(request.POST)
    form.is_valid()
    try:
        with transaction.atomic():
            services.reopening_request(
                user=request.user, member=member, period=period, reason=form.cleaned_data.get("reason", "")
            )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Your request to reopen %(period)s went to the secretariat.")
                         % {"period": period.code})
    return redirect(safe_next(request, reverse("updates")))


@login_required
@require_POST
def reopening_decide(request, pk: int, decision: str):
    _require_reviewer(request)
    reopening = get_visible_or_404(request.user, PeriodReopening, pk=pk)
    try:
        with transaction.atomic():
            if decision == "grant":
                form = ReopeningGrantForm(request.POST)
                days = form.cleaned_data["days"] if form.is_valid() else request.POST.get("days")
                reopening = services.reopening_grant(user=request.user, reopening=reopening, days=days)
                messages.success(request, _("%(period)s reopened for %(member)s until %(until)s.") % {
                    "period": reopening.period.code, "member": reopening.member.name, "until": reopening.until
                })
            else:
                reopening = services.reopening_refuse(user=request.user, reopening=reopening)
                messages.success(request, _("Request refused; %(member)s will be told.")
                                 % {"member": reopening.member.name})
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except ServiceError as exc:
        messages.error(request, exc.message)
    return redirect("update-review-queue")


# Spreadsheet round-trip -----------------------------------------------------------------------


def _require_focal_point(request) -> Member:
    member = member_of(request.user)
    if member is None:
        raise Http404
    return member


@login_required
def spreadsheet_download(request):
    member = _require_focal_point(request)
    content = spreadsheet.workbook_build(member=member)
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    filename = f"metroplan-updates-{member.slug}-{timezone.localdate():%Y-%m-%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def spreadsheet_upload(request):
    member = _require_focal_point(request)
    form = SpreadsheetUploadForm(request.POST or None, request.FILES or None)
    result = None
    status = 400 if request.method == "POST" else 200  # an upload not applied is never a success
    if request.method == "POST" and form.is_valid():
        result = spreadsheet.workbook_import(user=request.user, member=member, file=form.cleaned_data["file"])
        if result.ok:
            messages.success(request, _("Spreadsheet applied: %(saved)d updates saved, %(submitted)d submitted.")
                             % {"saved": result.saved, "submitted": result.submitted})
            return redirect("updates")
    return render(request, "reporting/spreadsheet_upload.html",
                  {"form": form, "result": result, "member": member}, status=status)
