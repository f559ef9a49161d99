"""Staff pages for the reminders: the schedule, and what was sent (reminders
to focal points and digests to staff), filterable. Writes go through
reporting.reminders."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from members.models import Member
from metroplan.permissions import can_manage_reminders
from metroplan.services import ValidationError
from reporting import reminders
from reporting.filtersets import DigestSentFilterSet, ReminderSentFilterSet
from reporting.forms_reminders import ReminderScheduleForm
from reporting.models import DigestSent, ReminderSent, ReportingPeriod

PER_PAGE = 50


def _require_staff(request) -> None:
    if not can_manage_reminders(request.user):
        raise Http404


@login_required
@require_http_methods(["GET", "POST"])
def reminder_schedule_view(request):
    _require_staff(request)
    schedule = reminders.reminder_schedule()
    initial = {
        "days_before": ", ".join(str(days) for days in schedule.days_before),
        "on_deadline_day": schedule.on_deadline_day, "overdue_every_days": schedule.overdue_every_days,
        "digest_enabled": schedule.digest_enabled, "digest_weekday": schedule.digest_weekday,
    }
    form = ReminderScheduleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            reminders.reminder_schedule_update(user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("Reminder schedule saved. It applies from the next daily run."))
            return redirect("reminder-schedule")
    today = timezone.localdate()
    previews = [
        (period, reminders.schedule_dates(schedule, period.deadline))
        for period in ReportingPeriod.objects.filter(plan__is_current=True, is_open=True).order_by("deadline")
    ]
    return render(request, "reporting/reminders/schedule.html", {
        "form": form, "schedule": schedule, "previews": previews, "today": today,
    }, status=400 if request.method == "POST" else 200)


@login_required
@require_safe
def reminder_log(request):
    """Reminders sent to focal points (or, with ?show=digests, digests sent
    to staff), newest first, filterable; a bookmarkable link per view."""
    _require_staff(request)
    show = "digests" if request.GET.get("show") == "digests" else "reminders"
    params = request.GET.copy()
    params.pop("show", None)
    params.pop("page", None)
    if show == "digests":
        base = DigestSent.objects.visible_to(request.user).select_related("user")
        filterset = DigestSentFilterSet(params or None, queryset=base)
    else:
        base = ReminderSent.objects.visible_to(request.user).select_related("member", "period")
        filterset = ReminderSentFilterSet(params or None, queryset=base)
    rows = filterset.qs if filterset.is_bound and filterset.is_valid() else base
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    if show == "reminders":
        for reminder in page:
            reminder.step_label = reminders.reminder_step_label(reminder.step)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "reporting/reminders/log.html", {
        "show": show, "filterset": filterset, "page": page, "query": query.urlencode(),
        "errors": filterset.errors if filterset.is_bound else {},
        "members": Member.objects.order_by("name").values_list("slug", "name") if show == "reminders" else [],
        "periods": ReportingPeriod.objects.filter(plan__is_current=True).order_by("-start").values_list(
            "code", flat=True
        ),
    })
