"""Read paths of reporting for the API. Every update count and list starts from
ProgressUpdate.objects.visible_to(user): nobody learns of another member's
drafts through a figure."""

import functools
from datetime import UTC, timedelta

from django.db.models import (
    CharField,
    Count,
    Func,
    Prefetch,
    Q,
)
from django.utils import timezone

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
        .filter(period_id__any=period_ids)
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


def updates_for_api(user):
    """Updates with their `outcome` (timeliness) from the figures engine's rule."""
    return update_timeliness(
        ProgressUpdate.objects.visible_to(user)
        .select_related("member", "action", "period__plan", "submitted_by", "reviewed_by")
        .prefetch_related(
            Prefetch("values", queryset=IndicatorValue.objects.select_related("indicator")),
            "evidence",
        )
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
    "timeliness": "outcome", "version": "version", "is_demo": "is_demo",
}
VALUE_ROW_SOURCES = {
    "indicator": "indicator_id", "indicator_code": "indicator__code", "value": "value",
    "not_available": "not_available", "reason": "not_available_reason",
}
EVIDENCE_ROW_SOURCES = {"id": "id", "title": "title", "url": "url", "file": "file", "added_at": "added_at"}


class RowShape:
    """How to turn a `values_list()` row into what a serializer declares.

    `names` are the serializer's declared fields in order; `columns` the row's
    sources for those that are read from the row (`sources`), in the same order;
    `nested` the others, filled in by the caller. Fields whose to_representation
    returns a database value of their own type unchanged (text, choices,
    integers, booleans, ids) take the value as read; DateTimeFields in ISO 8601
    get a shortcut with DRF's output (in the current time zone, looked up once per
    page, UTC written as Z); every other field is given to its to_representation.
    """

    def __init__(self, serializer_class, sources: dict):
        from rest_framework import ISO_8601
        from rest_framework import fields as drf_fields
        from rest_framework.relations import PrimaryKeyRelatedField
        from rest_framework.settings import api_settings

        as_read = (drf_fields.CharField, drf_fields.SlugField, drf_fields.ChoiceField, drf_fields.IntegerField,
                   drf_fields.BooleanField)
        fields = serializer_class().fields
        self.names = list(fields)
        self.nested = [(position, name) for position, name in enumerate(self.names) if name not in sources]
        read = [name for name in self.names if name in sources]
        self.columns = [sources[name] for name in read]
        self.datetimes, self.represented = [], []
        for position, name in enumerate(read):
            field = fields[name]
            if type(field) in as_read or (isinstance(field, PrimaryKeyRelatedField) and field.pk_field is None):
                continue
            if (
                type(field) is drf_fields.DateTimeField
                and getattr(field, "format", api_settings.DATETIME_FORMAT) == ISO_8601
                and not hasattr(field, "timezone")
            ):
                self.datetimes.append(position)
            else:
                self.represented.append((position, field.to_representation))

    def cells(self, row, write_datetime) -> list:
        """The row's values, represented, in declared order (without the nested
        ones); datetimes by `write_datetime` (datetime_writer(), once per page)."""
        cells = list(row)
        for position in self.datetimes:
            if cells[position] is not None:
                cells[position] = write_datetime(cells[position])
        for position, represent in self.represented:
            if cells[position] is not None:
                cells[position] = represent(cells[position])
        return cells


def datetime_writer(tz):
    """DRF's DateTimeField output in the time zone `tz`: ISO 8601, UTC written as Z."""
    if tz.utcoffset(None) == timedelta(0):  # UTC, the default: no conversion to a zone
        def write(value) -> str:
            if value.tzinfo is not UTC:
                if value.tzinfo is None:
                    return value.isoformat()
                value = value.astimezone(UTC)
            return value.isoformat()[:-6] + "Z"

        return write

    def write_in_zone(value) -> str:
        if timezone.is_aware(value):
            value = value.astimezone(tz)
        text = value.isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return write_in_zone


class UtcIsoText(Func):
    """PostgreSQL: a timestamptz as text in the form DRF writes it in UTC, with
    microseconds always ("2022-04-03T09:30:15.120000Z"; see trim_zero_fraction).
    Formatting in the database spares parsing and re-formatting ~2,000
    timestamps per page of updates in Python."""

    template = "to_char(%(expressions)s AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
    output_field = CharField()


def trim_zero_fraction(text: str) -> str:
    """As datetime.isoformat(): no fraction when the microseconds are zero."""
    return text[:-8] + "Z" if text.endswith(".000000Z") else text


def _database_writes_datetimes(tz) -> bool:
    from django.db import connection

    return connection.vendor == "postgresql" and tz.utcoffset(None) == timedelta(0)


@functools.cache
def _update_shapes() -> tuple[RowShape, RowShape, RowShape]:
    from reporting.api.serializers import EvidenceSerializer, IndicatorValueSerializer, UpdateSerializer

    return (
        RowShape(UpdateSerializer, UPDATE_ROW_SOURCES),
        RowShape(IndicatorValueSerializer, VALUE_ROW_SOURCES),
        RowShape(EvidenceSerializer, EVIDENCE_ROW_SOURCES),
    )


def update_rows(queryset, ids: list[int], *, request) -> list[dict]:
    """The updates `ids` (from `queryset`, in that order) as UpdateSerializer
    would represent them, read as rows: three queries whatever the page size."""
    if not ids:
        return []
    update_shape, value_shape, evidence_shape = _update_shapes()
    tz = timezone.get_current_timezone()
    write_datetime = datetime_writer(tz)

    values: dict[int, list] = {pk: [] for pk in ids}
    for update_id, *row in IndicatorValue.objects.filter(update_id__any=ids).values_list(
        "update_id", *value_shape.columns
    ):
        values[update_id].append(dict(zip(value_shape.names, value_shape.cells(row, write_datetime), strict=True)))

    evidence: dict[int, list] = {pk: [] for pk in ids}
    storage = Evidence._meta.get_field("file").storage
    file_position = evidence_shape.names.index("file")
    for update_id, *row in Evidence.objects.filter(update_id__any=ids).values_list(
        "update_id", *evidence_shape.columns
    ):
        name = row[file_position]
        row[file_position] = None  # represented here: an absolute URL for the request
        cells = evidence_shape.cells(row, write_datetime)
        cells[file_position] = request.build_absolute_uri(storage.url(name)) if name else None
        evidence[update_id].append(dict(zip(evidence_shape.names, cells, strict=True)))

    rows_query = queryset.filter(pk__any=ids).prefetch_related(None).order_by()
    columns, write_update_datetime = update_shape.columns, write_datetime
    if _database_writes_datetimes(tz):
        texts = {update_shape.columns[position]: f"iso_{position}" for position in update_shape.datetimes}
        rows_query = rows_query.annotate(**{alias: UtcIsoText(source) for source, alias in texts.items()})
        columns, write_update_datetime = [texts.get(column, column) for column in columns], trim_zero_fraction
    key = columns.index("id")
    rows = {row[key]: row for row in rows_query.values_list(*columns)}
    nested = {"values": values, "evidence": evidence}
    result = []
    for pk in ids:
        cells = update_shape.cells(rows[pk], write_update_datetime)
        for position, name in update_shape.nested:
            cells.insert(position, nested[name][pk])
        result.append(dict(zip(update_shape.names, cells, strict=True)))
    return result
