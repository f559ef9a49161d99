"""Reporting through the API: periods (staff write them), progress updates
(with the workflow: save a draft, submit, approve, return; evidence files and
links) and reports.

Views are thin: they resolve the object through `visible_to(user)` (so another
member's draft is a 404), check the write precondition (If-Match or
`version`), and call reporting.services; service errors become the API's error
shape in metroplan/api/errors.py.
"""

import mimetypes

import django_filters
from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action as viewset_action
from rest_framework.exceptions import ValidationError
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from actions.disaggregation import PART_NAMES
from actions.models import Action, Plan
from metroplan.api.errors import NotFoundBecause, api_exception_for
from metroplan.api.filters import in_request_plan
from metroplan.api.parsers import FormParser, JSONParser, MultiPartParser
from metroplan.api.viewsets import ApiViewSet, ServiceWriteViewSet, VersionOnlySerializer, etag_for
from metroplan.db import any_of
from metroplan.files import serve_file
from metroplan.permissions import (
    WRITE_REPORTERS,
    WRITE_REVIEWERS,
    WRITE_STAFF,
    update_edit_refusal,
    update_review_refusal,
    update_submit_refusal,
)
from metroplan.services import ConflictError
from metroplan.visibility import visible_choices
from reporting import services
from reporting.api import selectors
from reporting.api.serializers import (
    CommentarySerializer,
    EvidenceAddSerializer,
    EvidenceLinkSerializer,
    EvidenceSerializer,
    EvidenceUploadSerializer,
    PeriodCreateSerializer,
    PeriodSerializer,
    PeriodWriteSerializer,
    ReportDetailSerializer,
    ReportRequestSerializer,
    ReportSerializer,
    ReturnSerializer,
    TransitionSerializer,
    UpdateCreateSerializer,
    UpdateSerializer,
    UpdateWriteSerializer,
)
from reporting.figures import plan_figures
from reporting.filtersets import (
    CommentaryFilterSet,
    ProgressUpdateFilterSet,
    ReportFilterSet,
    ReportingPeriodFilterSet,
)
from reporting.models import Commentary, ProgressUpdate, ReportingPeriod
from reporting.report_files import CONTENT_TYPES, FORMATS, NotRendered, report_file
from reporting.search import search_matches

CODE_REGEX = r"[^/]+"


def evidence_content_types() -> list[str]:
    """What an evidence download may be: the types of the accepted extensions
    (as metroplan.files.serve_file names them), or octet-stream."""
    types = {mimetypes.guess_type(f"file.{ext}")[0] for ext in settings.EVIDENCE_ALLOWED_EXTENSIONS}
    return ["application/octet-stream", *sorted(t for t in types if t)]


class ProgressUpdateApiFilterSet(ProgressUpdateFilterSet):
    action = django_filters.ModelChoiceFilter(
        field_name="action", to_field_name="code", queryset=in_request_plan(Action, "goal__plan"),
        label="Action code",
    )
    period = django_filters.ModelChoiceFilter(
        field_name="period", to_field_name="code", queryset=in_request_plan(ReportingPeriod, "plan"),
        label="Period code",
    )
    plan = django_filters.ModelChoiceFilter(
        field_name="period__plan", to_field_name="code", queryset=visible_choices(Plan), label="Plan code"
    )


class ReportApiFilterSet(ReportFilterSet):
    period = django_filters.ModelChoiceFilter(
        field_name="period", to_field_name="code", queryset=in_request_plan(ReportingPeriod, "plan"),
        label="Period code",
    )
    plan = django_filters.ModelChoiceFilter(
        field_name="plan", to_field_name="code", queryset=visible_choices(Plan), label="Plan code"
    )


@extend_schema_view(
    create=extend_schema(request=PeriodCreateSerializer, responses={201: PeriodSerializer}),
    update=extend_schema(request=PeriodWriteSerializer, responses={200: PeriodSerializer}),
    partial_update=extend_schema(request=PeriodWriteSerializer, responses={200: PeriodSerializer}),
)
class PeriodViewSet(ServiceWriteViewSet):
    """Reporting periods of a plan (the current plan unless `plan` is given),
    looked up by code. Counts are of the updates you can see; the detail adds
    the period's network-wide compliance.

    Staff open, close and change periods through reporting.period_services
    (period_create, period_update with the period's version). There is no
    service that deletes a period safely, so DELETE is 405: close it instead."""

    serializer_class = PeriodSerializer
    filterset_class = ReportingPeriodFilterSet
    lookup_field = "code"
    lookup_value_regex = CODE_REGEX
    plan_path = "plan"
    plan_scoped_detail = True
    search_fields = ["code"]
    ordering_fields = ["start", "deadline", "code"]

    create_serializer_class = PeriodCreateSerializer
    update_serializer_class = PeriodWriteSerializer

    def get_queryset(self):
        return self.scope_to_plan(selectors.periods_for_api())

    def perform_create(self, data):
        from reporting.period_services import period_create

        plan = data.pop("plan")
        return period_create(user=self.request.user, plan=plan, data=data)

    def perform_update(self, period, data, *, expected_version):
        from reporting.period_services import period_update

        period_update(user=self.request.user, period=period, data=data, expected_version=expected_version)

    def annotate_objects(self, objects, *, detail: bool) -> None:
        counts = selectors.period_update_counts(self.request.user, [period.pk for period in objects])
        for period in objects:
            for name, value in counts[period.pk].items():
                setattr(period, name, value)
            if detail:
                compliance = plan_figures(period.plan).compliance
                period.compliance = {"period": period.code, **compliance.counts(period)}


@extend_schema_view(
    create=extend_schema(request=UpdateCreateSerializer, responses={201: UpdateSerializer}),
    update=extend_schema(request=UpdateWriteSerializer, responses={200: UpdateSerializer}),
    partial_update=extend_schema(request=UpdateWriteSerializer, responses={200: UpdateSerializer}),
)
class UpdateViewSet(ApiViewSet, mixins.CreateModelMixin, mixins.UpdateModelMixin):
    """Members' progress updates: approved ones for everyone, plus a focal
    point's own member's drafts; staff see all. Focal points write their own
    member's updates until approved; staff approve or return them."""

    serializer_class = UpdateSerializer
    filterset_class = ProgressUpdateApiFilterSet
    file_actions = {"evidence_file": ()}
    file_content_types = {"evidence_file": evidence_content_types()}
    optional_precondition_actions = ("add_evidence", "remove_evidence")
    summaries = {
        "add_evidence": "Add evidence to an update (a file or a https:// link)",
        "remove_evidence": "Remove evidence from an update",
        "evidence_file": "Download an evidence file",
        "submit": "Submit an update for review",
        "approve": "Approve a submitted update",
        "return_update": "Return a submitted update with a comment",
    }
    plan_path = "period__plan"
    # `search` is the FilterSet's ranked search (reporting/search.py), not DRF's SearchFilter.
    ordering_fields = ["submitted_at", "modified", "created", "state"]
    write_rule = WRITE_REPORTERS
    write_rules = {"approve": WRITE_REVIEWERS, "return_update": WRITE_REVIEWERS}
    # Refused with the predicate's answer, the one the service gives (same status, code and message).
    object_rules = {
        "update": update_edit_refusal, "partial_update": update_edit_refusal,
        "add_evidence": update_edit_refusal, "remove_evidence": update_edit_refusal,
        "submit": update_submit_refusal, "approve": update_review_refusal, "return_update": update_review_refusal,
    }

    def get_queryset(self):
        updates = selectors.updates_for_api(self.request.user)
        if self.action not in ("list", "retrieve"):
            updates = updates.select_related("member", "action", "period")  # what the write paths read
        return self.scope_to_plan(updates)

    def paginate_queryset(self, queryset):
        """The page is chosen on ids alone, then its rows are read by id.

        Sorting the page's ids (newest period first, then member and action)
        takes ~2 ms on 10,000 updates; sorting the wide joined rows took ~20 ms,
        and the planner's estimate for it grew with the plan's periods. A CSV
        of every row is not paged and reads the rows at once.

        The ids (and the count) come from the same filters and order over the
        visible updates without the printed labels: their joins (member,
        action, period, plan, users) made the count read every row of the
        table (350,000 at 100×: 170 ms); without them it is an index's."""
        bare = self.filter_queryset(self.scope_to_plan(ProgressUpdate.objects.visible_to(self.request.user)))
        ids = super().paginate_queryset(bare.values_list("pk", flat=True))
        if ids is None:
            return None
        # The filters chose the ids; the rows are read from the visible updates without them.
        rows = {update.pk: update for update in self.get_queryset().filter(any_of("pk", ids)).order_by()}
        return [rows[pk] for pk in ids if pk in rows]  # one deleted in between is left out

    def annotate_objects(self, objects, *, detail: bool) -> None:
        """A searched list says how each update matched (two queries a page)."""
        super().annotate_objects(objects, detail=detail)
        text = self.request.query_params.get("search", "") if self.action == "list" else ""
        if objects and text.strip():
            matches = search_matches(
                update_ids=[update.pk for update in objects], text=text, preferred=get_language(),
            )
            for update in objects:
                update.search_match = matches.get(update.pk)

    def get_serializer_class(self):
        return {
            "create": UpdateCreateSerializer,
            "update": UpdateWriteSerializer,
            "partial_update": UpdateWriteSerializer,
            "submit": TransitionSerializer,
            "approve": TransitionSerializer,
            "return_update": ReturnSerializer,
            "add_evidence": EvidenceAddSerializer,
        }.get(self.action, UpdateSerializer)

    @staticmethod
    def _entries(entries, action) -> dict:
        """The entries as the service takes them, each value checked against
        its indicator's measure (Indicator.clean_value, the one check); errors
        name the entry and its field, as the serializer's do."""
        indicators = {indicator.pk: indicator for indicator in action.indicators.filter(retired=False)}
        checked, errors = {}, [{} for _entry in entries]
        for index, entry in enumerate(entries):
            value = numerator = denominator = None
            indicator = indicators.get(entry["indicator"])
            if not entry.get("not_available") and indicator is not None:
                try:
                    value, numerator, denominator = indicator.clean_value(
                        entry.get("value"), numerator=entry.get("numerator"), denominator=entry.get("denominator"),
                        language=None,
                    )
                except DjangoValidationError as exc:
                    errors[index] = exc.message_dict
            elif not entry.get("not_available"):
                value = entry.get("value")  # not an indicator of the action: the service says so
            checked[entry["indicator"]] = services.IndicatorEntry(
                value=value, numerator=numerator, denominator=denominator,
                not_available=entry.get("not_available", False),
                reason=(entry.get("reason") or "").strip(),
                parts={name: entry[name] for name in PART_NAMES if entry.get(name) is not None},
            )
        if any(errors):
            raise ValidationError({"values": errors})
        return checked

    def create(self, request, *args, **kwargs):
        serializer = UpdateCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            update = services.update_save(
                user=request.user,
                member=data["member"],
                action=data["action"],
                period=data["period"],
                narrative=data["narrative"],
                status=data["status"],
                no_change=data["no_change"],
                values=self._entries(data["values"], data["action"]),
                expected_version=0,  # create only: an existing update is a conflict
            )
        except ConflictError as exc:
            raise api_exception_for(
                services.ServiceError(
                    _("An update for this member, action and period already exists; read it and change it with "
                      "PATCH."), code="exists",
                )
            ) from exc
        return self.detail_response(update.pk, http_status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        instance = self.get_object()
        serializer = UpdateWriteSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        expected_version, source = self.write_precondition(instance, data.get("version"))
        values = self._entries(data.get("values", []), instance.action)
        if not partial:
            # PUT gives the complete set: indicators left out are cleared.
            for indicator_id in instance.action.indicators.filter(retired=False).values_list("pk", flat=True):
                values.setdefault(indicator_id, services.IndicatorEntry())
        with self.conflicts_from(source):
            services.update_save(
                user=request.user,
                member=instance.member,
                action=instance.action,
                period=instance.period,
                narrative=data.get("narrative", instance.narrative),
                status=data.get("status", instance.status),
                no_change=data.get("no_change", instance.no_change),
                values=values,
                expected_version=expected_version,
            )
        return self.detail_response(instance.pk)

    def _transition(self, request, service, **extra):
        instance = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        expected_version, source = self.write_precondition(instance, serializer.validated_data.get("version"))
        with self.conflicts_from(source):
            service(user=request.user, update=instance, expected_version=expected_version, **extra)
        return self.detail_response(instance.pk)

    @extend_schema(
        request={"application/json": EvidenceLinkSerializer, "multipart/form-data": EvidenceUploadSerializer},
        responses={201: EvidenceSerializer},
    )
    @viewset_action(
        detail=True, methods=["post"], url_path="evidence", url_name="evidence",
        parser_classes=[MultiPartParser, FormParser, JSONParser],
    )
    def add_evidence(self, request, pk=None, **kwargs):
        """Attach a file (multipart/form-data, within the size and type limits)
        or a https:// link (JSON) to an update you may edit: your own member's,
        not approved (and, for a focal point, not waiting for review). With
        If-Match (or `version`), a stale update is refused (412, or 409)."""
        instance = self.get_object()
        serializer = EvidenceAddSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        expected_version, source = self.write_precondition(instance, data.get("version"), required=False)
        with self.conflicts_from(source):
            evidence = services.evidence_add(
                user=request.user, update=instance, file=data.get("file"), url=data.get("url", ""),
                title=data.get("title", ""), expected_version=expected_version,
            )
        return Response(
            EvidenceSerializer(evidence, context=self.get_serializer_context()).data, status=status.HTTP_201_CREATED,
            headers={"ETag": etag_for(ProgressUpdate.objects.get(pk=instance.pk))},
        )

    @extend_schema(request=None, responses={204: None})
    @viewset_action(
        detail=True, methods=["delete"], url_path=r"evidence/(?P<evidence_id>[0-9]+)", url_name="evidence-detail"
    )
    def remove_evidence(self, request, pk=None, evidence_id=None, **kwargs):
        """Remove a file or link from an update you may edit. With If-Match
        (or `version` in the body), a stale update is refused (412, or 409)."""
        instance = self.get_object()
        evidence = get_object_or_404(instance.evidence.all(), pk=evidence_id)
        body = VersionOnlySerializer(data=request.data if hasattr(request.data, "get") else {})
        body.is_valid(raise_exception=True)
        expected_version, source = self.write_precondition(
            instance, body.validated_data.get("version"), required=False
        )
        with self.conflicts_from(source):
            services.evidence_remove(user=request.user, evidence=evidence, expected_version=expected_version)
        return Response(
            status=status.HTTP_204_NO_CONTENT, headers={"ETag": etag_for(ProgressUpdate.objects.get(pk=instance.pk))}
        )

    def evidence_file(self, request, pk=None, evidence_id=None, **kwargs):
        """Download an evidence file of an update you can see, with the name
        it was uploaded with. Link evidence has no file (404: follow its url)."""
        instance = self.get_object()
        evidence = get_object_or_404(instance.evidence.all(), pk=evidence_id)
        if not evidence.file:
            raise NotFoundBecause(_("This evidence is a link, not a file: follow its url."))
        return serve_file(request, evidence.file, filename=evidence.download_name)

    @extend_schema(request=TransitionSerializer, responses={200: UpdateSerializer})
    @viewset_action(detail=True, methods=["post"])
    def submit(self, request, pk=None, **kwargs):
        """Submit a draft or returned update for review (complete: narrative,
        status and every indicator's value)."""
        return self._transition(request, services.update_submit)

    @extend_schema(request=TransitionSerializer, responses={200: UpdateSerializer})
    @viewset_action(detail=True, methods=["post"])
    def approve(self, request, pk=None, **kwargs):
        """Approve a submitted update (secretariat staff)."""
        return self._transition(request, services.update_approve)

    @extend_schema(request=ReturnSerializer, responses={200: UpdateSerializer})
    @viewset_action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_update(self, request, pk=None, **kwargs):
        """Return a submitted update to its member with a comment saying what
        should change (secretariat staff)."""
        comment = request.data.get("comment", "") if hasattr(request.data, "get") else ""
        return self._transition(request, services.update_return, comment=comment)


@extend_schema_view(
    create=extend_schema(
        request=ReportRequestSerializer,
        responses={
            201: OpenApiResponse(ReportSerializer, description="Queued: it is built in the background."),
            200: OpenApiResponse(ReportSerializer, description="That report already exists."),
        },
    ),
    retrieve=extend_schema(responses={200: ReportDetailSerializer}),
)
class ReportViewSet(ApiViewSet, mixins.CreateModelMixin):
    """Progress reports of a plan (the current plan unless `plan` is given);
    staff ask for a new one, built in the background."""

    file_actions = {"file": ("lang",)}
    file_content_types = {"file": [content_type.split(";")[0] for content_type in CONTENT_TYPES.values()]}
    file_query_parameters = {
        "lang": OpenApiParameter(
            "lang", str, enum=[code for code, _name in settings.LANGUAGES],
            description="The rendering in this language (default: the request's language, from Accept-Language).",
        )
    }
    path_parameter_choices = {"format": list(FORMATS)}
    summaries = {"file": "Download a report's file"}

    serializer_class = ReportSerializer
    filterset_class = ReportApiFilterSet
    plan_path = "plan"
    ordering_fields = ["created", "as_of"]
    write_rule = WRITE_STAFF
    extra_error_statuses = {"create": ["503"]}

    def get_queryset(self):
        reports = selectors.reports_for_api(self.request.user)
        if self.action == "list":
            # A built report's HTML and snapshot run to hundreds of kilobytes; a list
            # prints neither (the detail has the snapshot, and ETags digest every column).
            reports = reports.defer("html", "snapshot")
        return self.scope_to_plan(reports)

    def get_serializer_class(self):
        return {"retrieve": ReportDetailSerializer, "create": ReportRequestSerializer}.get(
            self.action, ReportSerializer
        )

    def file(self, request, pk=None, format=None, **kwargs):  # noqa: A002 - the path's name
        """Download a built report in one of its formats: html (a page that opens
        in the browser), pdf (the briefing book), pptx (the deck), xlsx or csv, in
        `lang` (default: the request's language). Only built (done) reports have files."""
        report = self.get_object()
        if format not in FORMATS:
            raise NotFoundBecause(_("Reports come as %(formats)s.") % {"formats": ", ".join(FORMATS)})
        if report.state != report.State.DONE:
            raise NotFoundBecause(_("This report has no %(format)s file.") % {"format": format})
        try:
            found = report_file(report, format, self._file_language(request))
        except NotRendered:
            raise NotFoundBecause(_("This report has no %(format)s file.") % {"format": format}) from None
        return serve_file(request, found.file, filename=found.name, content_type=found.content_type,
                          inline=found.inline)

    @staticmethod
    def _file_language(request) -> str | None:
        codes = request.query_params.getlist("lang")
        if not codes:
            return None
        known = [code for code, _name in settings.LANGUAGES]
        if len(codes) > 1 or codes[0] not in known:
            raise ValidationError({"lang": [_("Choose one of: %(codes)s.") % {"codes": ", ".join(known)}]})
        return codes[0]

    def create(self, request, *args, **kwargs):
        from reporting.report_services import report_request

        serializer = ReportRequestSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        report, created = report_request(
            user=request.user, plan=data["plan"], kind=data["kind"], period=data["period"], as_of=data["as_of"]
        )
        return self.detail_response(
            report.pk,
            http_status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
            serializer_class=ReportSerializer,
        )


class CommentaryViewSet(ApiViewSet):
    """The secretariat's per-period commentary on goals and actions (read
    only; staff write it on the goal's and action's pages). Notes left empty
    are not listed."""

    serializer_class = CommentarySerializer
    filterset_class = CommentaryFilterSet
    plan_path = "period__plan"
    ordering_fields = ["updated_at"]

    def get_queryset(self):
        return (
            Commentary.objects.exclude(text="").select_related("goal", "action", "period", "period__plan")
            .order_by("-period__start", "pk")
        )
