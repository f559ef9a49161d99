"""Reporting as integrators read and write it. Writes are validated here for
shape only; every rule is in reporting.services (update_save, update_submit,
update_approve, update_return) and reporting.report_services.report_request."""

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from functools import cached_property

from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import ISO_8601, serializers
from rest_framework.fields import SkipField
from rest_framework.relations import PKOnlyObject
from rest_framework.settings import api_settings

from actions.disaggregation import PART_NAMES
from actions.models import Action, Plan
from members.api.serializers import ComplianceSerializer
from members.models import Member
from metroplan.api.fields import DecimalInputField
from metroplan.limits import COMMENT_MAX_LENGTH, NARRATIVE_MAX_LENGTH
from metroplan.permissions import can_see_report_failure, member_of
from reporting.models import Commentary, Evidence, IndicatorValue, ProgressUpdate, Report, ReportingPeriod
from reporting.report_files import FORMATS, report_file_formats


def in_utc(*names: str) -> dict:
    """extra_kwargs that write these timestamps in UTC ("…Z"), the API's zone.
    Naming the zone spares DRF a look-up of the current one for every value
    (~7 of its ~9 µs; a page of updates holds ~2,000)."""
    return {name: {"default_timezone": UTC} for name in names}


class ReadFieldsOnce:
    """DRF's reading of a row, without its per-row overhead (the serializers of
    big lists: a CSV of every update prints ~360,000 rows at 10x).

    DRF walks its dict of bound fields again for every row it prints (about a
    tenth of a page of 500 updates); a bound serializer's readable fields do not
    change, so they are listed once. And for each field it takes the value
    through `Field.get_attribute` (a walk of `source_attrs` with a Mapping and a
    callable check per step, ~7 µs); a field whose source is one plain
    attribute is read with getattr, and DRF's own path takes over for anything
    else (a dict, a dotted source, a callable, a missing attribute, a field
    that reads itself). Each value is then shown by the field's own
    `to_representation`, as DRF does (a timestamp in UTC by `_shown_by`'s
    shortcut of it): the same output."""

    @cached_property
    def _readable_fields(self):
        return [field for field in self.fields.values() if not field.write_only]

    @cached_property
    def _readers(self) -> list[tuple]:
        """(field, its name, the one attribute it reads or None, how it shows a
        value, the type of value it shows as it is or None)."""
        return [
            (field, field.field_name,
             field.source_attrs[0] if len(field.source_attrs) == 1
             and type(field).get_attribute is serializers.Field.get_attribute else None,
             _shown_by(field), _shown_as_is(field))
            for field in self._readable_fields
        ]

    def to_representation(self, instance):
        if isinstance(instance, Mapping):
            return super().to_representation(instance)
        ret = {}
        for field, name, attr, show, as_is in self._readers:
            if attr is not None:
                value = getattr(instance, attr, _MISSING)
                if value is None or type(value) is as_is:
                    ret[name] = value
                    continue
                if value is not _MISSING and not callable(value):
                    ret[name] = show(value)
                    continue
            try:
                value = field.get_attribute(instance)
            except SkipField:
                continue
            check_for_none = value.pk if isinstance(value, PKOnlyObject) else value
            ret[name] = None if check_for_none is None else show(value)
        return ret


# The fields whose `to_representation` gives a value of this exact type back
# as it is: str(a str), int(an int), a bool in TRUE_VALUES or FALSE_VALUES.
_AS_IS = {serializers.CharField: str, serializers.IntegerField: int, serializers.BooleanField: bool}


def _shown_as_is(field):
    for kind, value_type in _AS_IS.items():
        if type(field).to_representation is kind.to_representation:
            return value_type
    if (type(field).to_representation is serializers.ChoiceField.to_representation
            and all(type(key) is str and key == value for key, value in field.choice_strings_to_values.items())):
        return str  # a text's choice is itself, and a text that is none is given back
    return _NOTHING


class _NOTHING:
    """No value is of this type: every value is shown by its field."""


def _shown_by(field):
    """The field's `to_representation`, with a shortcut for the values most
    rows hold, each giving what DRF's own steps give:

    - a timestamp written in UTC (`in_utc`) as ISO 8601, already in UTC (all
      of those read from the database): `astimezone` would change nothing, so
      its ISO text with "+00:00" written "Z", without DRF's per-value checks
      (~4 of its ~6 µs; an update has five timestamps);
    - a decimal written as text that already has the field's decimal places
      (those read from a column of the same places): quantizing would change
      nothing, so its text (~1 of ~15 µs: DRF copies a decimal context for every value)."""
    general = field.to_representation
    if (type(field).to_representation is serializers.DateTimeField.to_representation
            and getattr(field, "timezone", None) is UTC
            and str(getattr(field, "format", api_settings.DATETIME_FORMAT)).lower() == ISO_8601):

        def utc_iso(value):
            if type(value) is datetime and value.tzinfo is UTC:
                return value.isoformat()[:-6] + "Z"
            return general(value)
        return utc_iso
    if (type(field).to_representation is serializers.DecimalField.to_representation
            and field.decimal_places is not None and not field.localize and not field.normalize_output
            and getattr(field, "coerce_to_string", api_settings.COERCE_DECIMAL_TO_STRING)):
        places, digits = -field.decimal_places, field.max_digits

        def fixed(value):
            if type(value) is Decimal:
                _sign, figures, exponent = value.as_tuple()
                if exponent == places and (digits is None or len(figures) <= digits):
                    return f"{value:f}"
            return general(value)
        return fixed
    return general


_MISSING = object()


class PeriodSerializer(serializers.ModelSerializer):
    plan = serializers.CharField(source="plan.code", read_only=True)
    update_count = serializers.IntegerField(read_only=True, help_text="Updates you can see.")
    submitted_count = serializers.IntegerField(read_only=True)
    approved_count = serializers.IntegerField(read_only=True)
    compliance = ComplianceSerializer(
        read_only=True, allow_null=True, default=None, help_text="Network-wide; given on the detail only."
    )

    class Meta:
        model = ReportingPeriod
        fields = [
            "code", "plan", "start", "end", "deadline", "is_open", "version",
            "update_count", "submitted_count", "approved_count", "compliance",
            "modified",
        ]
        read_only_fields = fields
        extra_kwargs = in_utc("modified")


class PeriodWriteSerializer(serializers.Serializer):
    """A period as staff write it: code, dates, deadline, open or closed (shape
    only; the rules are in reporting.period_services.period_update)."""

    code = serializers.CharField(max_length=20)
    start = serializers.DateField()
    end = serializers.DateField()
    deadline = serializers.DateField(help_text="Decides on time or late; locks nothing.")
    is_open = serializers.BooleanField(help_text="A closed period takes no new submissions.")
    version = serializers.IntegerField(
        min_value=0, required=False, help_text="The version you read; or send its ETag in If-Match."
    )


class PeriodCreateSerializer(PeriodWriteSerializer):
    plan = serializers.SlugRelatedField(
        slug_field="code", queryset=Plan.objects.all(), required=False,
        help_text="Code of the plan; the current plan when not given.",
    )
    deadline = serializers.DateField(required=False, help_text="30 days after the end when not given.")
    is_open = serializers.BooleanField(required=False, default=True)
    version = None

    def validate(self, attrs):
        plan = attrs.get("plan")
        if plan is None:
            view = self.context.get("view")
            plan = view.request_plan() if view is not None else Plan.objects.current()
        if plan is None:
            raise serializers.ValidationError({"plan": [_("There is no current plan; name one.")]})
        return {**attrs, "plan": plan}


class IndicatorValueSerializer(ReadFieldsOnce, serializers.ModelSerializer):
    indicator = serializers.IntegerField(source="indicator_id", read_only=True, help_text="The indicator's id.")
    indicator_code = serializers.CharField(read_only=True)  # annotated by updates_for_api()
    reason = serializers.CharField(source="not_available_reason", read_only=True)

    class Meta:
        model = IndicatorValue
        fields = ["indicator", "indicator_code", "value", "not_available", "reason", *PART_NAMES]
        read_only_fields = fields
        extra_kwargs = {name: {"help_text": "A part of the value where its indicator asks for it (null: not given)."}
                        for name in PART_NAMES}


NULLABLE_URI = {"type": "string", "format": "uri", "nullable": True}


class EvidenceSerializer(ReadFieldsOnce, serializers.ModelSerializer):
    """A file or a link: `url` is set for a link, `file` (where to download it)
    and `file_name` for a file; the others are null."""

    url = serializers.SerializerMethodField(help_text="The https:// link; null for a file.")
    file = serializers.SerializerMethodField(
        help_text="Where to download the file (GET with your credentials); null for a link."
    )
    file_name = serializers.SerializerMethodField(help_text="The file's name as uploaded; null for a link.")

    class Meta:
        model = Evidence
        fields = ["id", "title", "url", "file", "file_name", "added_at"]
        read_only_fields = fields
        extra_kwargs = in_utc("added_at")

    @extend_schema_field(NULLABLE_URI)
    def get_url(self, evidence):
        return evidence.url or None

    @extend_schema_field(NULLABLE_URI)
    def get_file(self, evidence):
        if not evidence.file:
            return None
        path = reverse("api-evidence-file", kwargs={"pk": evidence.update_id, "evidence_id": evidence.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    @extend_schema_field({"type": "string", "nullable": True})
    def get_file_name(self, evidence):
        return evidence.download_name if evidence.file else None


class EvidenceAddSerializer(serializers.Serializer):
    """A file (multipart/form-data) or a link, exactly one; the size and type
    limits (EVIDENCE_MAX_BYTES, EVIDENCE_ALLOWED_EXTENSIONS) are the service's."""

    file = serializers.FileField(required=False, allow_empty_file=False, help_text="Send as multipart/form-data.")
    url = serializers.CharField(required=False, allow_blank=True, max_length=200, help_text="A https:// link.")
    title = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    version = serializers.IntegerField(
        min_value=1, required=False, help_text="The update's version you read; or send its ETag in If-Match."
    )


class EvidenceLinkSerializer(serializers.Serializer):
    """A link as evidence (application/json)."""

    url = serializers.URLField(max_length=200, help_text="A https:// address.")
    title = serializers.CharField(required=False, allow_blank=True, max_length=200)
    version = serializers.IntegerField(
        min_value=1, required=False, help_text="The update's version you read; or send its ETag in If-Match."
    )


class EvidenceUploadSerializer(serializers.Serializer):
    """A file as evidence (multipart/form-data), within EVIDENCE_MAX_BYTES and
    of an allowed type (EVIDENCE_ALLOWED_EXTENSIONS)."""

    file = serializers.FileField(allow_empty_file=False, help_text="The file's bytes, with its name.")
    title = serializers.CharField(required=False, allow_blank=True, max_length=200)
    version = serializers.IntegerField(
        min_value=1, required=False, help_text="The update's version you read; or send its ETag in If-Match."
    )


class SnippetSerializer(serializers.Serializer):
    field = serializers.ChoiceField(choices=["narrative", "reviewer_comment", "evidence"], read_only=True)
    html = serializers.CharField(
        read_only=True, help_text="The text around the match, HTML-escaped, with each match in <mark>…</mark>."
    )


class MatchSerializer(serializers.Serializer):
    rank = serializers.FloatField(read_only=True, help_text="Higher is a better match.")
    snippets = SnippetSerializer(many=True, read_only=True)


class UpdateSerializer(ReadFieldsOnce, serializers.ModelSerializer):
    """The one shape of an update (API list, detail and CSV). It reads what
    reporting.api.selectors.updates_for_api() annotates and prefetches: related
    codes as plain values, values and evidence as lists."""

    member = serializers.CharField(source="member_slug", read_only=True)
    action = serializers.CharField(source="action_code", read_only=True)
    period = serializers.CharField(source="period_code", read_only=True)
    plan = serializers.CharField(source="plan_code", read_only=True)
    status = serializers.ChoiceField(choices=Action.Status.choices, allow_blank=True, read_only=True)
    values = IndicatorValueSerializer(source="value_list", many=True, read_only=True)
    evidence = EvidenceSerializer(source="evidence_list", many=True, read_only=True)
    submitted_by = serializers.CharField(source="submitted_by_name", read_only=True, allow_null=True)
    reviewed_by = serializers.CharField(source="reviewed_by_name", read_only=True, allow_null=True)
    timeliness = serializers.ChoiceField(
        source="outcome", choices=["on_time", "excused", "late"], read_only=True, allow_null=True,
        help_text="The first submission against the period's deadline; null until submitted.",
    )
    match = MatchSerializer(
        source="search_match", read_only=True, allow_null=True,
        help_text="How the update matched `search`: rank and highlighted snippets; null unless the list was searched.",
    )

    class Meta:
        model = ProgressUpdate
        fields = [
            "id", "member", "action", "period", "plan", "state", "status", "narrative", "no_change",
            "values", "evidence", "reviewer_comment", "created", "modified", "first_submitted_at",
            "submitted_at", "submitted_by", "reviewed_at", "reviewed_by", "timeliness", "version", "is_demo", "match",
        ]
        read_only_fields = fields
        extra_kwargs = in_utc("created", "modified", "first_submitted_at", "submitted_at", "reviewed_at")


class IndicatorEntrySerializer(serializers.Serializer):
    """One indicator's value: a number, or not available with a reason."""

    indicator = serializers.IntegerField(min_value=1, help_text="The indicator's id.")
    value = DecimalInputField(
        max_digits=14, decimal_places=2, required=False, allow_null=True,
        help_text="A number; null (with not_available false) clears the value. By the indicator's measure: a "
                  "whole number for a count, 1 or 0 for yes/no, the step's position (0 first) for a qualitative "
                  "scale; a ratio gives numerator and denominator instead.",
    )
    numerator = DecimalInputField(
        max_digits=14, decimal_places=2, required=False, allow_null=True,
        help_text="A ratio indicator's numerator (with denominator; the value is their quotient).",
    )
    denominator = DecimalInputField(
        max_digits=14, decimal_places=2, required=False, allow_null=True,
        help_text="A ratio indicator's denominator, not zero.",
    )
    not_available = serializers.BooleanField(default=False)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")
    women = DecimalInputField(max_digits=14, decimal_places=2, required=False, allow_null=True,
                              help_text="Where the indicator asks by sex: the part for women.")
    men = DecimalInputField(max_digits=14, decimal_places=2, required=False, allow_null=True,
                            help_text="Where the indicator asks by sex: the part for men.")
    sex_other = DecimalInputField(max_digits=14, decimal_places=2, required=False, allow_null=True,
                                  help_text="Where the indicator asks by sex: other or not stated.")
    youth = DecimalInputField(max_digits=14, decimal_places=2, required=False, allow_null=True,
                              help_text="Where the indicator asks by age group: youth (under 30).")
    age_other = DecimalInputField(max_digits=14, decimal_places=2, required=False, allow_null=True,
                                  help_text="Where the indicator asks by age group: other ages. "
                                            "The parts of a breakdown add up to the value at most.")

    def validate(self, attrs):
        if attrs.get("not_available"):
            if attrs.get("value") is not None or attrs.get("numerator") is not None:
                raise serializers.ValidationError({"value": [_("Give a number or mark it not available, not both.")]})
            if not attrs.get("reason", "").strip():
                raise serializers.ValidationError({"reason": [_("Say why the value is not available.")]})
        return attrs


class UpdateWriteSerializer(serializers.Serializer):
    """What a focal point (or staff) writes on an update; all optional on PATCH."""

    narrative = serializers.CharField(allow_blank=True, max_length=NARRATIVE_MAX_LENGTH)
    status = serializers.ChoiceField(choices=Action.Status.choices, allow_blank=True)
    no_change = serializers.BooleanField()
    values = IndicatorEntrySerializer(many=True, help_text="Values per indicator; on PUT, the complete set.")
    version = serializers.IntegerField(
        min_value=1, required=False, help_text="The version you read; or send its ETag in If-Match."
    )

    def validate_values(self, entries):
        seen = set()
        for entry in entries:
            if entry["indicator"] in seen:
                raise serializers.ValidationError(_("Indicator %(id)s is given twice.") % {"id": entry["indicator"]})
            seen.add(entry["indicator"])
        return entries


class UpdateCreateSerializer(UpdateWriteSerializer):
    """A new update for (member, action, period) of a plan: a draft."""

    plan = serializers.SlugRelatedField(
        slug_field="code", queryset=Plan.objects.all(), required=False,
        help_text="Code of the plan; the current plan when not given.",
    )
    member = serializers.SlugRelatedField(
        slug_field="slug", queryset=Member.objects.all(), required=False,
        help_text="Slug of the member; a focal point's own member when not given.",
    )
    action = serializers.CharField(max_length=10, help_text="Code of the action, e.g. 1.2.")
    period = serializers.CharField(max_length=20, help_text="Code of the period, e.g. 2022-Q3.")
    narrative = serializers.CharField(allow_blank=True, max_length=NARRATIVE_MAX_LENGTH, required=False, default="")
    status = serializers.ChoiceField(choices=Action.Status.choices, allow_blank=True, required=False, default="")
    no_change = serializers.BooleanField(required=False, default=False)
    values = IndicatorEntrySerializer(many=True, required=False, default=list)
    version = None

    def validate(self, attrs):
        user = self.context["request"].user
        plan = attrs.get("plan") or Plan.objects.current()
        errors = {}
        if plan is None:
            errors["plan"] = [_("There is no current plan; name one.")]
        member = attrs.get("member") or member_of(user)
        if member is None:
            errors["member"] = [_("Name the member this update is for.")]
        action = period = None
        if plan is not None:
            action = Action.objects.filter(goal__plan=plan, code=attrs["action"]).select_related("goal").first()
            if action is None:
                errors["action"] = [
                    _("Plan %(plan)s has no action %(code)s.") % {"plan": plan.code, "code": attrs["action"]}
                ]
            period = ReportingPeriod.objects.filter(plan=plan, code=attrs["period"]).first()
            if period is None:
                errors["period"] = [
                    _("Plan %(plan)s has no period %(code)s.") % {"plan": plan.code, "code": attrs["period"]}
                ]
        if errors:
            raise serializers.ValidationError(errors)
        return {**attrs, "member": member, "action": action, "period": period}


class TransitionSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        min_value=1, required=False, help_text="The version you read; or send its ETag in If-Match."
    )


class ReturnSerializer(TransitionSerializer):
    comment = serializers.CharField(max_length=COMMENT_MAX_LENGTH, help_text="What should change; required.")


class ReportFilesSerializer(serializers.Serializer):
    """Where to download each of a built report's files (GET with your
    credentials); null where the report has no such file."""

    html = serializers.URLField(allow_null=True, help_text="The report as a web page.")
    pdf = serializers.URLField(allow_null=True, help_text="The briefing book for the Board.")
    pptx = serializers.URLField(allow_null=True, help_text="The slide deck for the Board.")
    xlsx = serializers.URLField(allow_null=True)
    csv = serializers.URLField(allow_null=True)


class ReportSerializer(ReadFieldsOnce, serializers.ModelSerializer):
    plan = serializers.CharField(source="plan.code", read_only=True)
    period = serializers.CharField(source="period.code", read_only=True)
    requested_by = serializers.CharField(source="requested_by.username", read_only=True, allow_null=True, default=None)
    files = serializers.SerializerMethodField()

    class Meta:
        model = Report
        fields = [
            "id", "plan", "kind", "period", "as_of", "state", "failure_reason", "attempts", "corrects",
            "correction_note", "requested_by", "created", "started_at", "finished_at", "files",
            "modified",
        ]
        read_only_fields = fields
        extra_kwargs = in_utc("created", "started_at", "finished_at", "modified")

    @extend_schema_field(ReportFilesSerializer)
    def get_files(self, report):
        # Plain attributes of the row: no query.
        request = self.context.get("request")
        available = report_file_formats(report)

        def url(fmt):
            if fmt not in available:
                return None
            path = reverse("api-report-file", kwargs={"pk": report.pk, "format": fmt})
            return request.build_absolute_uri(path) if request else path

        return {fmt: url(fmt) for fmt in FORMATS}

    def to_representation(self, report):
        data = super().to_representation(report)
        request = self.context.get("request")
        if not can_see_report_failure(getattr(request, "user", None)):
            data["failure_reason"] = ""  # exception text from the worker: staff's
        return data


class ReportDetailSerializer(ReportSerializer):
    class Meta(ReportSerializer.Meta):
        fields = [*ReportSerializer.Meta.fields, "snapshot"]
        read_only_fields = fields
        extra_kwargs = ReportSerializer.Meta.extra_kwargs


class ReportRequestSerializer(serializers.Serializer):
    plan = serializers.SlugRelatedField(
        slug_field="code", queryset=Plan.objects.all(), required=False,
        help_text="Code of the plan; the current plan when not given.",
    )
    kind = serializers.ChoiceField(choices=Report.Kind.choices)
    period = serializers.CharField(max_length=20, help_text="Code of the period, e.g. 2022-Q3.")
    as_of = serializers.DateField(required=False, allow_null=True, default=None)

    def validate(self, attrs):
        plan = attrs.get("plan") or Plan.objects.current()
        if plan is None:
            raise serializers.ValidationError({"plan": [_("There is no current plan; name one.")]})
        period = ReportingPeriod.objects.filter(plan=plan, code=attrs["period"]).first()
        if period is None:
            raise serializers.ValidationError(
                {"period": [_("Plan %(plan)s has no period %(code)s.") % {"plan": plan.code, "code": attrs["period"]}]}
            )
        return {**attrs, "plan": plan, "period": period}


class CommentarySerializer(serializers.ModelSerializer):
    """The secretariat's analysis note on a goal or an action for a period, as typed."""

    goal = serializers.CharField(source="goal.code", read_only=True, allow_null=True,
                                 help_text="Code of the goal the note is on; null for a note on an action.")
    action = serializers.CharField(source="action.code", read_only=True, allow_null=True,
                                   help_text="Code of the action the note is on; null for a note on a goal.")
    period = serializers.CharField(source="period.code", read_only=True)
    plan = serializers.CharField(source="period.plan.code", read_only=True)

    class Meta:
        model = Commentary
        fields = ["id", "plan", "period", "goal", "action", "text", "updated_at", "version"]
        read_only_fields = fields
        extra_kwargs = in_utc("updated_at")
