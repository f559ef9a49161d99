"""The /reports/ pages: the list with states and downloads, a report's page,
staff's form to ask for one, corrections, and the files."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language_info
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from metroplan.files import serve_file
from metroplan.permissions import can_request_report
from metroplan.services import ServiceError
from reporting import report_services
from reporting.filtersets import ReportFilterSet
from reporting.forms_reports import ReportCorrectForm, ReportRequestForm
from reporting.models import Report
from reporting.report_files import FORMATS, NotRendered, report_body, report_file, resolve_language

PAGE_SIZE = 25


def _visible(request):
    return Report.objects.visible_to(request.user).select_related("plan", "period", "requested_by")


@login_required
def report_list(request):
    filterset = ReportFilterSet(request.GET, queryset=_visible(request))
    page = Paginator(filterset.qs.defer("snapshot", "html"), PAGE_SIZE).get_page(request.GET.get("page"))
    pending = any(report.state in (Report.State.QUEUED, Report.State.RUNNING) for report in page)
    context = {
        "filterset": filterset, "page": page, "pending": pending, "can_request": can_request_report(request.user),
    }
    if request.htmx:
        return render(request, "reporting/reports/_table.html", context)
    return render(request, "reporting/reports/list.html", context)


def _language(request) -> str:
    """The language a report is shown in: `?language=` if given, else the reader's."""
    try:
        return resolve_language(request.GET.get("language"))
    except NotRendered:
        raise Http404 from None


@login_required
def report_detail(request, pk: int):
    report = get_object_or_404(_visible(request).select_related("corrects"), pk=pk)
    if request.htmx and report.state in (Report.State.QUEUED, Report.State.RUNNING):
        return render(request, "reporting/reports/_state.html", {"report": report})
    if request.htmx:  # the build finished while the page was open: reload it whole
        response = HttpResponse()
        response["HX-Refresh"] = "true"
        return response
    language = _language(request)
    context = {
        "report": report,
        "language": language,
        "languages": [(code, get_language_info(code)["name_local"], code == language)
                      for code, _name in settings.LANGUAGES],
        "formats": FORMATS,
        "body": report_body(report, language) if report.state == Report.State.DONE and report.snapshot else "",
        "corrections": report.corrections.visible_to(request.user).order_by("created"),
        "correct_form": (
            ReportCorrectForm() if can_request_report(request.user) and report.state == Report.State.DONE else None
        ),
    }
    return render(request, "reporting/reports/detail.html", context)


@login_required
def report_new(request):
    if not can_request_report(request.user):
        raise PermissionDenied
    form = ReportRequestForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        period = form.cleaned_data["period"]
        try:
            report, created = report_services.report_request(
                user=request.user, plan=period.plan, kind=form.cleaned_data["kind"], period=period,
                as_of=form.cleaned_data["as_of"],
            )
        except ServiceError as exc:
            form.add_error(None, exc.message)
            status = 503 if exc.code == "broker_unavailable" else 400
        else:
            if created:
                messages.success(request, _("The report is queued; this page shows when it is ready."))
            else:
                messages.info(request, _("This report was already asked for: here it is."))
            return redirect("report-detail", pk=report.pk)
    return render(request, "reporting/reports/new.html", {"form": form}, status=status)


@login_required
@require_POST
def report_correct(request, pk: int):
    report = get_object_or_404(_visible(request), pk=pk)
    form = ReportCorrectForm(request.POST)
    if form.is_valid():
        try:
            correction = report_services.report_correct(
                user=request.user, report=report, note=form.cleaned_data["note"]
            )
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The correction is queued."))
            return redirect("report-detail", pk=correction.pk)
    else:
        messages.error(request, _("Say what changed and why."))
    return redirect("report-detail", pk=report.pk)


@login_required
@require_safe
def report_download(request, pk: int, fmt: str):
    """A report's file in `?language=` (default: the reader's). The HTML opens
    in the browser; the others download."""
    report = get_object_or_404(_visible(request), pk=pk, state=Report.State.DONE)
    try:
        rendered = report_file(report, fmt, _language(request))
    except NotRendered:
        raise Http404 from None
    return serve_file(request, rendered.file, filename=rendered.name, content_type=rendered.content_type,
                      inline=rendered.inline)
