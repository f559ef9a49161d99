"""Read paths for members and regions: compliance figures for a page of rows
come from one grouped query (reporting.querysets.expected_slots)."""

from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from actions.models import Plan
from members.models import Member, Region
from reporting.models import ReportingPeriod
from reporting.querysets import compliance_counts


def members_for_api():
    return Member.objects.select_related("region")


def regions_for_api():
    members = Member.objects.filter(region=OuterRef("pk")).order_by().values("region").annotate(n=Count("pk"))
    return Region.objects.annotate(member_count=Coalesce(Subquery(members.values("n")[:1]), 0))


def latest_due_period(plan: Plan | None = None):
    """The newest period of the plan whose deadline has passed: the one
    compliance is shown for by default."""
    plan = plan or Plan.objects.current()
    if plan is None:
        return None
    return (
        ReportingPeriod.objects.filter(plan=plan, deadline__lt=timezone.localdate()).order_by("-end").first()
    )


def compliance_by(period, group_field: str, ids) -> dict:
    """{id: figures} for the given ids of `group_field` ("member_id",
    "member__region_id"), from compliance_counts() (one query; the same figures as
    counting expected_slots())."""
    if period is None or not ids:
        return {}
    counts = compliance_counts([period], group_by=group_field, filters={f"{group_field}__in": list(ids)})
    return {
        value: {"period": period.code, **{key: row[key] for key in row if key != group_field}}
        for (_period_id, value), row in counts.items()
    }


def empty_compliance(period) -> dict | None:
    if period is None:
        return None
    return {"period": period.code, "expected": 0, "on_time": 0, "late": 0, "excused": 0, "missing": 0, "due": 0,
            "rate": None}
