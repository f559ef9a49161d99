"""The data gaps behind a period's figures (what a report names next to each
figure): expected updates without an approved update, and expected indicator
values without an approved number."""

from __future__ import annotations

from datetime import date

from django.db.models import Exists, F, OuterRef, Subquery

from reporting.figures.slots import end_of_day, expected_slots
from reporting.models import ApprovedIndicatorValue, ProgressUpdate


def _approved(queryset, approved_by: date | None):
    queryset = queryset.filter(state=ProgressUpdate.State.APPROVED)
    if approved_by is not None:
        queryset = queryset.filter(reviewed_at__lt=end_of_day(approved_by))
    return queryset


def update_gaps(period, *, compliance_on: date, approved_by: date | None = None) -> list[dict]:
    """Every expected (member, action) of `period` without an approved update,
    with its outcome (missing, not yet due, or submitted but not approved). One
    query; dicts ordered by member name and action code."""
    approved = _approved(
        ProgressUpdate.objects.filter(member=OuterRef("member_id"), action=OuterRef("action_id"), period=period),
        approved_by,
    )
    return list(
        expected_slots([period], today=compliance_on, as_of=compliance_on)
        .annotate(approved=Exists(approved))
        .filter(approved=False)
        .order_by("member__name", "action__code")
        .values("member_id", "member__name", "member__slug", "member__region_id", "action_id", "action__code",
                "outcome")
    )


def indicator_gaps(period, *, compliance_on: date, approved_by: date | None = None) -> list[dict]:
    """For each live indicator, the expected members of `period` that gave no
    approved number for it: no approved update, or "not available" (with the
    member's reason). One query; dicts ordered by indicator and member."""
    # The approved values kept in step with approvals: the unique (indicator, member, period)
    # index finds the one value, no scan of the indicator's values nor of the updates.
    values = ApprovedIndicatorValue.objects.filter(
        member=OuterRef("member_id"), period=period, indicator=OuterRef("indicator_id"),
    )
    if approved_by is not None:
        values = values.filter(approved_at__lt=end_of_day(approved_by))
    approved = _approved(
        ProgressUpdate.objects.filter(member=OuterRef("member_id"), action=OuterRef("action_id"), period=period),
        approved_by,
    )
    return list(
        expected_slots([period], today=compliance_on, as_of=compliance_on)
        .annotate(
            indicator_id=F("action__indicators__id"),
            indicator_code=F("action__indicators__code"),
            indicator_retired=F("action__indicators__retired"),
        )
        .filter(indicator_retired=False)
        .annotate(
            has_number=Exists(values.filter(value__isnull=False)),
            not_available_reason=Subquery(values.filter(value__isnull=True).values("not_available_reason")[:1]),
            update_approved=Exists(approved),
        )
        .filter(has_number=False)
        .order_by("indicator_code", "member__name")
        .values("indicator_id", "indicator_code", "member_id", "member__name", "outcome", "not_available_reason",
                "update_approved")
    )
