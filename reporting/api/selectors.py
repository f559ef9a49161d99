"""Read paths of reporting for the API. Every update count and list starts from
ProgressUpdate.objects.visible_to(user): nobody learns of another member's
drafts through a figure."""

from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    F,
    Prefetch,
    Q,
)

from actions.disaggregation import PART_NAMES
from reporting.figures import update_timeliness
from reporting.models import Evidence, IndicatorValue, ProgressUpdate, Report, ReportingPeriod


def periods_for_api():
    """Periods with their plan; PeriodViewSet.annotate_objects() adds the page's
    update counts from period_update_counts()."""
    return ReportingPeriod.objects.select_related("plan")


def period_update_counts(user, period_ids) -> dict[int, dict[str, int]]:
    """{period id: {update_count, submitted_count, approved_count}} of the updates
    `user` can see, in one grouped query (not three counting subqueries per period)."""
    rows = (
        ProgressUpdate.objects.visible_to(user)
        .filter(period_id__in=period_ids)
        .order_by()
        .values("period_id")
        .annotate(
            update_count=Count("pk"),
            submitted_count=Count("pk", filter=~Q(state=ProgressUpdate.State.DRAFT)),
            approved_count=Count("pk", filter=Q(state=ProgressUpdate.State.APPROVED)),
        )
    )
    counts = {pk: {"update_count": 0, "submitted_count": 0, "approved_count": 0} for pk in period_ids}
    for row in rows:
        counts[row.pop("period_id")] = row
    return counts


# What UpdateSerializer prints of an update's related rows, read as plain values
# of the update's own query: a page of 500 updates is then 500 model instances
# (plus its values and evidence), not 3,500 (a member, action, period, plan and
# two users each).
UPDATE_LABELS = {
    "member_slug": "member__slug",
    "action_code": "action__code",
    "period_code": "period__code",
    "plan_code": "period__plan__code",
    "submitted_by_name": "submitted_by__username",
    "reviewed_by_name": "reviewed_by__username",
}


def updates_for_api(user):
    """Updates as UpdateSerializer prints them, in three queries for a page of
    any size: the rows (with the related codes and the timeliness), the page's
    indicator values with their indicators' codes, and its evidence. Each reads
    only the columns it prints."""
    values = IndicatorValue.objects.annotate(indicator_code=F("indicator__code")).only(
        "update_id", "indicator_id", "value", "not_available", "not_available_reason", *PART_NAMES,
    )
    evidence = Evidence.objects.only("update_id", "title", "url", "file", "file_name", "added_at")
    return (
        update_timeliness(ProgressUpdate.objects.visible_to(user))  # `outcome`: the figures engine's rule
        .annotate(**{name: F(path) for name, path in UPDATE_LABELS.items()})
        # to_attr: plain lists, not a related manager's queryset cloned per update.
        .prefetch_related(
            Prefetch("values", queryset=values, to_attr="value_list"),
            Prefetch("evidence", queryset=evidence, to_attr="evidence_list"),
        )
    )


def reports_for_api(user):
    """Reports with `has_html`: whether the HTML rendering exists, which is all
    that ReportSerializer prints of it."""
    return Report.objects.select_related("plan", "period", "requested_by").annotate(
        has_html=ExpressionWrapper(~Q(html=""), output_field=BooleanField())
    )
