"""Read paths of reporting for the API. Every update count and list starts from
ProgressUpdate.objects.visible_to(user): nobody learns of another member's
drafts through a figure."""

from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate

from reporting.models import IndicatorValue, PeriodReopening, ProgressUpdate, Report, ReportingPeriod


def periods_for_api(user):
    visible = ProgressUpdate.objects.visible_to(user).filter(period=OuterRef("pk")).order_by().values("period")

    def count(queryset):
        return Coalesce(Subquery(queryset.annotate(n=Count("pk")).values("n")[:1]), 0)

    return ReportingPeriod.objects.select_related("plan").annotate(
        update_count=count(visible),
        submitted_count=count(visible.exclude(state=ProgressUpdate.State.DRAFT)),
        approved_count=count(visible.filter(state=ProgressUpdate.State.APPROVED)),
    )


def timeliness():
    """How an update's first submission stands against its period's deadline:
    on_time, excused (late within a granted reopening), late, or null (never
    submitted)."""
    excused = PeriodReopening.objects.filter(
        period=OuterRef("period_id"),
        member=OuterRef("member_id"),
        state=PeriodReopening.State.GRANTED,
        until__gte=OuterRef("first_submitted_on"),
    )
    return Case(
        When(first_submitted_at__isnull=True, then=Value(None)),
        When(first_submitted_on__lte=F("period__deadline"), then=Value("on_time")),
        When(Q(Exists(excused)), then=Value("excused")),
        default=Value("late"),
        output_field=CharField(),
    )


def updates_for_api(user):
    return (
        ProgressUpdate.objects.visible_to(user)
        .select_related("member", "action", "period__plan", "submitted_by", "reviewed_by")
        .prefetch_related(
            Prefetch("values", queryset=IndicatorValue.objects.select_related("indicator")),
            "evidence",
        )
        .annotate(first_submitted_on=TruncDate("first_submitted_at"))
        .annotate(timeliness=timeliness())
    )


def reports_for_api(user):
    return Report.objects.select_related("plan", "period", "requested_by")
