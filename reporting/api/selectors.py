"""Read paths of reporting for the API. Every update count and list starts from
ProgressUpdate.objects.visible_to(user): nobody learns of another member's
drafts through a figure."""

import functools

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
from django.utils import timezone

from reporting.models import Evidence, IndicatorValue, PeriodReopening, ProgressUpdate, Report, ReportingPeriod


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


# --- the updates list's fast path ---------------------------------------------------
#
# A page of 500 updates as model instances (an update, its member, action, period,
# plan and two users, plus values and evidence) costs more in Python than the
# query does in the database. The list reads the same columns as plain rows and
# gives each to the declared serializer fields' to_representation, so that the
# output is the one UpdateSerializer declares (tests/api/test_fast_paths.py
# compares the two on every kind of row).

UPDATE_ROW_SOURCES = {
    "id": "id", "member": "member__slug", "action": "action__code", "period": "period__code",
    "plan": "period__plan__code", "state": "state", "status": "status", "narrative": "narrative",
    "no_change": "no_change", "reviewer_comment": "reviewer_comment", "created": "created",
    "modified": "modified", "first_submitted_at": "first_submitted_at", "submitted_at": "submitted_at",
    "submitted_by": "submitted_by__username", "reviewed_at": "reviewed_at", "reviewed_by": "reviewed_by__username",
    "timeliness": "timeliness", "version": "version", "is_demo": "is_demo",
}
VALUE_ROW_SOURCES = {
    "indicator": "indicator_id", "indicator_code": "indicator__code", "value": "value",
    "not_available": "not_available", "reason": "not_available_reason",
}
EVIDENCE_ROW_SOURCES = {"id": "id", "title": "title", "url": "url", "file": "file", "added_at": "added_at"}


def _representers(serializer_class, sources: dict) -> list:
    """(name, source, to_representation) for the serializer's declared fields,
    in order. DateTimeFields in ISO 8601 get a shortcut with the same output
    (DRF's: in the current time zone, UTC written as Z); fields whose
    to_representation returns a database value of their own type unchanged
    (text, choices, integers, booleans, ids) get None: the value is used as read."""
    from rest_framework import ISO_8601
    from rest_framework import fields as drf_fields
    from rest_framework.relations import PrimaryKeyRelatedField
    from rest_framework.settings import api_settings

    as_read = (drf_fields.CharField, drf_fields.ChoiceField, drf_fields.IntegerField, drf_fields.BooleanField)

    def represent(field):
        if isinstance(field, PrimaryKeyRelatedField) and field.pk_field is None:
            return None  # the row holds the id itself
        if type(field) in as_read or type(field) is drf_fields.SlugField:
            return None
        if (
            type(field) is drf_fields.DateTimeField
            and getattr(field, "format", api_settings.DATETIME_FORMAT) == ISO_8601
            and not hasattr(field, "timezone")
        ):
            return _iso_datetime
        return field.to_representation

    fields = serializer_class().fields
    return [(name, sources[name], represent(fields[name])) for name in fields if name in sources]


def _represent_row(row: dict, representers) -> dict:
    item = {}
    for name, source, represent in representers:
        value = row[source]
        item[name] = value if value is None or represent is None else represent(value)
    return item


def _iso_datetime(value, tz=None) -> str:
    """DRF's DateTimeField output: in the current time zone (looked up once per
    page, not per value), UTC written as Z."""
    if timezone.is_aware(value):
        value = value.astimezone(tz or timezone.get_current_timezone())
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _in_zone(representers, tz) -> list:
    return [
        (name, source, functools.partial(_iso_datetime, tz=tz) if represent is _iso_datetime else represent)
        for name, source, represent in representers
    ]


@functools.cache
def _update_representers():
    from reporting.api.serializers import EvidenceSerializer, IndicatorValueSerializer, UpdateSerializer

    return (
        list(UpdateSerializer().fields),
        _representers(UpdateSerializer, UPDATE_ROW_SOURCES),
        _representers(IndicatorValueSerializer, VALUE_ROW_SOURCES),
        [item for item in _representers(EvidenceSerializer, EVIDENCE_ROW_SOURCES) if item[0] != "file"],
    )


def update_rows(queryset, ids: list[int], *, request) -> list[dict]:
    """The updates `ids` (from `queryset`, in that order) as UpdateSerializer
    would represent them, read as rows: three queries whatever the page size."""
    if not ids:
        return []
    update_fields, plain, value_fields, evidence_fields = _update_representers()
    tz = timezone.get_current_timezone()
    plain, evidence_fields = _in_zone(plain, tz), _in_zone(evidence_fields, tz)

    values: dict[int, list] = {pk: [] for pk in ids}
    for row in IndicatorValue.objects.filter(update_id__any=ids).values("update_id", *VALUE_ROW_SOURCES.values()):
        values[row["update_id"]].append(_represent_row(row, value_fields))
    evidence: dict[int, list] = {pk: [] for pk in ids}
    file_field = Evidence._meta.get_field("file")
    for row in Evidence.objects.filter(update_id__any=ids).values("update_id", *EVIDENCE_ROW_SOURCES.values()):
        item = _represent_row(row, evidence_fields)
        name = row["file"]
        item["file"] = request.build_absolute_uri(file_field.storage.url(name)) if name else None
        evidence[row["update_id"]].append({key: item[key] for key in EVIDENCE_ROW_SOURCES})

    rows = {
        row["id"]: row
        for row in queryset.filter(pk__any=ids).prefetch_related(None).order_by().values(*UPDATE_ROW_SOURCES.values())
    }
    result = []
    for pk in ids:
        item = _represent_row(rows[pk], plain)
        item["values"] = values[pk]
        item["evidence"] = evidence[pk]
        result.append({name: item[name] for name in update_fields})
    return result
