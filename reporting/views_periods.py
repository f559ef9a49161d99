"""The plan's reporting periods under /plan/periods/: the list, and for the
secretariat a form to add one, an edit page and an in-place open/close. The
plan is chosen as on the other plan pages (`?plan=<code>`, else the current
one); writes go through reporting.period_services."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from actions.views_plan import _context, _plan, _url
from metroplan.permissions import can_edit_plan, plan_editor_required, reader_required
from metroplan.services import ValidationError
from reporting import period_services
from reporting.forms_periods import PeriodForm
from reporting.models import ReportingPeriod


def _period(plan, code) -> ReportingPeriod:
    return get_object_or_404(ReportingPeriod.objects.filter(plan=plan), code=code)


def _periods_page(request, plan, form):
    periods = plan.periods.order_by("start")
    return render(request, "reporting/periods/list.html", _context(request, plan, periods=periods, form=form))


@reader_required
@require_GET
def periods_view(request):
    """The plan's reporting periods; staff see a form to add one."""
    plan = _plan(request)
    return _periods_page(request, plan, PeriodForm() if can_edit_plan(request.user) else None)


@plan_editor_required
@require_POST
def period_create_view(request):
    plan = _plan(request)
    form = PeriodForm(request.POST)
    if form.is_valid():
        try:
            period = period_services.period_create(user=request.user, plan=plan, data=form.cleaned_data)
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("Period %(code)s added.") % {"code": period.code})
            return redirect(_url("plan-periods", plan))
    return _periods_page(request, plan, form)


@plan_editor_required
@require_http_methods(["GET", "POST"])
def period_edit_view(request, code):
    plan = _plan(request)
    period = _period(plan, code)
    initial = {name: getattr(period, name) for name in ("code", "start", "end", "deadline", "is_open")}
    form = PeriodForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            period = period_services.period_update(user=request.user, period=period, data=form.cleaned_data)
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("Period %(code)s saved.") % {"code": period.code})
            return redirect(_url("plan-periods", plan))
    return render(request, "reporting/periods/form.html", _context(request, plan, period=period, form=form))


@plan_editor_required
@require_POST
def period_toggle_view(request, code):
    """In place: open or close a period."""
    plan = _plan(request)
    period = _period(plan, code)
    period = period_services.period_update(user=request.user, period=period, data={"is_open": not period.is_open})
    if request.htmx:
        return render(request, "reporting/periods/_row.html", _context(request, plan, period=period))
    return redirect(_url("plan-periods", plan))
