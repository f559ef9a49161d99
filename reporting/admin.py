from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from metroplan.admin_access import WorkflowReadOnlyAdmin
from reporting.models import Evidence, IndicatorValue, PeriodReopening, ProgressUpdate, Report, ReportingPeriod


@admin.register(ReportingPeriod)
class ReportingPeriodAdmin(admin.ModelAdmin):
    list_display = ["code", "plan", "start", "end", "deadline", "is_open"]
    list_filter = ["plan", "is_open"]


@admin.register(PeriodReopening)
class PeriodReopeningAdmin(WorkflowReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["member", "period", "state", "until", "requested_at"]
    list_filter = ["state", "period"]
    autocomplete_fields = ["member"]


class IndicatorValueInline(WorkflowReadOnlyAdmin, admin.TabularInline):
    model = IndicatorValue
    extra = 0


@admin.display(description=_("file"))
def evidence_download(evidence: Evidence) -> str:
    """Private files have no URL: the admin links the checked download page."""
    if not evidence.file:
        return ""
    return format_html('<a href="{}">{}</a>', reverse("evidence-download", args=[evidence.pk]),
                       evidence.download_name)


class EvidenceInline(WorkflowReadOnlyAdmin, admin.TabularInline):
    model = Evidence
    extra = 0
    exclude = ["file"]
    readonly_fields = [evidence_download]


@admin.register(ProgressUpdate)
class ProgressUpdateAdmin(WorkflowReadOnlyAdmin, SimpleHistoryAdmin):
    list_display = ["member", "action", "period", "state", "first_submitted_at", "is_demo"]
    list_filter = ["state", "period", "is_demo", "member__region"]
    search_fields = ["member__name", "action__code", "narrative"]
    autocomplete_fields = ["member"]
    inlines = [IndicatorValueInline, EvidenceInline]
    readonly_fields = ["version", "created", "modified"]


@admin.register(IndicatorValue)
class IndicatorValueAdmin(WorkflowReadOnlyAdmin, SimpleHistoryAdmin):
    list_display = ["update", "indicator", "value", "not_available"]


@admin.register(Evidence)
class EvidenceAdmin(WorkflowReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["update", "title", evidence_download, "url", "added_at"]
    exclude = ["file"]
    readonly_fields = [evidence_download]


@admin.register(Report)
class ReportAdmin(WorkflowReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["plan", "kind", "period", "as_of", "state", "created", "finished_at"]
    list_filter = ["kind", "state"]
    exclude = ["pdf", "xlsx", "csv"]
    readonly_fields = ["downloads", "snapshot", "html", "created", "started_at", "finished_at"]

    @admin.display(description=_("files"))
    def downloads(self, report: Report) -> str:
        """Private files have no URL: the admin links the checked download pages."""
        return format_html_join(" ", '<a href="{}">{}</a>', (
            (reverse("report-download", args=[report.pk, fmt]), fmt.upper())
            for fmt in ("pdf", "xlsx", "csv") if getattr(report, fmt)
        ))
