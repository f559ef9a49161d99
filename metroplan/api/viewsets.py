"""What every API view shares, so that each resource's view only declares its
queryset, serializers, filterset and write rule:

- throttling before permissions (an anonymous client is throttled too), then
  ApiAccess (metroplan/permissions.py);
- a strict query string: a parameter the view does not know is a 400 naming it;
- JSON, the browsable API, and CSV (`?format=csv`, every row, same filters);
- an ETag on every detail response, `If-None-Match` → 304, and preconditions
  on writes: `If-Match` (stale → 412) or the body's `version` (stale → 409);
  a write with neither is refused with 428;
- visibility applied centrally: whatever a view's `get_queryset()` returns is
  restricted to `Model.objects.visible_to(user)` (metroplan/visibility.py), so a
  view cannot forget it; plans named by `?plan=` are the visible ones too;
- resources of a plan are those of the current plan unless `?plan=<code>`;
- ServiceWriteViewSet: create / PUT / PATCH (/ DELETE) that validate the
  shape with a serializer, check the precondition, and call a service.
"""

import csv
import functools
import hashlib
import io
import marshal
import re
import tempfile
from collections.abc import Mapping
from contextlib import contextmanager

from django.http import Http404, StreamingHttpResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.renderers import BaseRenderer, BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response

from metroplan.api import figure_fields
from metroplan.api.errors import Conflict, PreconditionFailed, PreconditionRequired
from metroplan.api.explain import explain_limit
from metroplan.api.filters import (
    SYNC_FIELD,
    StrictFilterBackend,
    StrictOrderingFilter,
    StrictSearchFilter,
    with_sync_filters,
)
from metroplan.api.parsers import JSONParser
from metroplan.api.renderers import CSVRenderer, flatten
from metroplan.api.schema import ApiAutoSchema
from metroplan.db import batches
from metroplan.services import ConflictError
from metroplan.spreadsheets import csv_cells
from metroplan.visibility import visible

ANY = object()
ETAG_LIST = re.compile(r'^\s*(?:W/)?"[\x21\x23-\x7e]*"\s*(?:,\s*(?:W/)?"[\x21\x23-\x7e]*"\s*)*$')
ETAG_ITEM = re.compile(r'((?:W/)?"[\x21\x23-\x7e]*")')
BODY_METHODS = ("POST", "PUT", "PATCH", "DELETE")


def etag_for(obj) -> str:
    """A strong ETag: the row's version where it has one, otherwise a digest
    of its stored fields (not of the representation, which holds figures that
    move with other rows)."""
    label = obj._meta.model_name
    version = getattr(obj, "version", None)
    if version is not None:
        return f'"{label}-{obj.pk}-v{version}"'
    stored = repr([(field.attname, getattr(obj, field.attname)) for field in obj._meta.concrete_fields])
    return f'"{label}-{obj.pk}-{hashlib.sha256(stored.encode()).hexdigest()[:20]}"'


def parse_etags(header: str, name: str):
    """The entity tags of an If-Match / If-None-Match header, weak ones with
    their W/ prefix, or ANY for `*`. A malformed header is a 400 naming it."""
    if header.strip() == "*":
        return ANY
    if not ETAG_LIST.match(header):
        raise exceptions.ValidationError(
            {name: [_('Give one or more entity tags in double quotes, as sent in ETag (e.g. "update-1-v2"), or *.')]}
        )
    return set(ETAG_ITEM.findall(header))


def if_match_holds(header: str, etag: str) -> bool:
    """If-Match compares strongly (RFC 9110 13.1.1): a weak tag never matches."""
    tags = parse_etags(header, "If-Match")
    return tags is ANY or etag in tags


def if_none_match_holds(header: str, etag: str) -> bool:
    """Whether If-None-Match names the current ETag: compared weakly (W/ ignored)."""
    tags = parse_etags(header, "If-None-Match")
    return tags is ANY or etag in {tag.removeprefix("W/") for tag in tags}


def unknown_body_fields(data, serializer, prefix: str = "") -> dict[str, list[str]]:
    """The keys of `data` (and of its nested objects) that `serializer` does not
    write, each with a message naming what it takes."""
    fields = {name: field for name, field in serializer.fields.items() if not field.read_only}
    errors = {}
    for key, value in data.items():
        field = fields.get(key)
        if field is None:
            errors[f"{prefix}{key}"] = [
                _("Unknown field. This operation takes: %(fields)s.") % {"fields": ", ".join(fields) or "-"}
            ]
        elif isinstance(field, serializers.ListSerializer) and isinstance(value, list):
            if isinstance(field.child, serializers.Serializer):
                for index, item in enumerate(value):
                    if isinstance(item, Mapping):
                        errors.update(unknown_body_fields(item, field.child, f"{prefix}{key}[{index}]."))
        elif isinstance(field, serializers.Serializer) and isinstance(value, Mapping):
            errors.update(unknown_body_fields(value, field, f"{prefix}{key}."))
    return errors


class VersionOnlySerializer(serializers.Serializer):
    """The body a DELETE may carry: the version it deletes."""

    version = serializers.IntegerField(min_value=1, required=False)


class FileRenderer(BaseRenderer):
    """Lets a file download answer any Accept header (the file's own type is
    the response's); errors are JSON all the same (finalize_response)."""

    media_type = "*/*"
    format = "file"

    def render(self, data, accepted_media_type=None, renderer_context=None):  # pragma: no cover - never renders
        return data


def _restricted(get_queryset):
    """`get_queryset`, with its result restricted to what the request's user may see."""
    if getattr(get_queryset, "restricted", False):
        return get_queryset

    @functools.wraps(get_queryset)
    def restricted_get_queryset(self):
        return self.restrict(get_queryset(self))

    restricted_get_queryset.restricted = True
    return restricted_get_queryset


class ApiViewSet(viewsets.GenericViewSet):
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer, CSVRenderer]
    parser_classes = [JSONParser]
    filter_backends = [StrictFilterBackend, StrictSearchFilter, StrictOrderingFilter]
    schema = ApiAutoSchema()
    lookup_value_regex = r"[0-9]+"  # ids; views looked up by code or slug say so
    # Query parameters a view takes besides its filters, search, ordering and pages.
    list_query_params: tuple[str, ...] = ()
    detail_query_params: tuple[str, ...] = ()
    # Path from the model to its Plan, for resources of a plan (None: not plan-bound).
    plan_path: str | None = None
    plan_scoped_detail = False
    # Figures the resource carries, from the figures engine (metroplan/api/figure_fields.py):
    # the provider's kind, and the figure fields a list may be ordered by.
    figure_kind: str | None = None
    figure_ordering_fields: tuple[str, ...] = ()
    # Actions that answer a file (metroplan.files.serve_file), with the query
    # parameters each takes: they answer any Accept and take no `format`.
    file_actions: dict[str, tuple[str, ...]] = {}

    # --- visibility -----------------------------------------------------------

    def __init_subclass__(cls, **kwargs):
        # NetBox's `restrict`, for views that write their own get_queryset():
        # every one of them is wrapped, so none can forget visible_to(user).
        super().__init_subclass__(**kwargs)
        if "get_queryset" in cls.__dict__:
            cls.get_queryset = _restricted(cls.__dict__["get_queryset"])
        # Incremental sync on every list whose model has `modified`: the filters
        # and the ordering, added here once rather than by each view.
        if getattr(cls, "filterset_class", None) is not None:
            cls.filterset_class = with_sync_filters(cls.filterset_class)
            model = cls.filterset_class._meta.model
            has_modified = any(field.name == SYNC_FIELD for field in model._meta.concrete_fields)
            if has_modified and cls.__dict__.get("ordering_fields") and SYNC_FIELD not in cls.ordering_fields:
                cls.ordering_fields = [*cls.ordering_fields, SYNC_FIELD]

    def restrict(self, queryset):
        return visible(getattr(self.request, "user", None), queryset)

    @_restricted
    def get_queryset(self):
        return super().get_queryset()

    # --- request checks -------------------------------------------------------

    def initial(self, request, *args, **kwargs):
        self.format_kwarg = self.get_format_suffix(**kwargs)
        neg = self.perform_content_negotiation(request)
        request.accepted_renderer, request.accepted_media_type = neg
        version, scheme = self.determine_version(request, *args, **kwargs)
        request.version, request.versioning_scheme = version, scheme
        self.perform_authentication(request)
        self.check_throttles(request)
        self.check_permissions(request)
        self.check_query_params(request)
        self.check_body_fields(request)

    def get_format_suffix(self, **kwargs):
        if self.action in self.file_actions:
            return None  # a file action's `format` (if any) names the file, not a renderer
        return super().get_format_suffix(**kwargs)

    def get_renderers(self):
        if self.action in self.file_actions:
            return [JSONRenderer(), FileRenderer()]
        return super().get_renderers()

    def perform_content_negotiation(self, request, force=False):
        answers_csv = any(renderer.format == "csv" for renderer in self.get_renderers())
        message = _("Choose json or csv.") if answers_csv else _("This operation answers JSON only: choose json.")
        if not force and "format" in request.query_params and self.action not in self.file_actions:
            formats = request.query_params.getlist("format")
            if len(formats) > 1 or formats[0] not in ("json", "csv", "api"):
                raise exceptions.ValidationError({"format": [message]})
        try:
            return super().perform_content_negotiation(request, force=force)
        except Http404:
            raise exceptions.ValidationError({"format": [message]}) from None

    def allowed_query_params(self) -> set[str]:
        if self.action in self.file_actions:
            return set(self.file_actions[self.action])
        allowed = {"format"}
        if self.explains_figures():
            allowed.add("explain")
        if self.action == "list":
            allowed |= {"page", "page_size", "cursor", *self.list_query_params}
            if getattr(self, "filterset_class", None) is not None:
                allowed |= set(self.filterset_class.base_filters)
            if getattr(self, "search_fields", None):
                allowed.add("search")
            if getattr(self, "ordering_fields", None):
                allowed.add("ordering")
            if self.plan_path:
                allowed.add("plan")
        else:
            allowed |= set(self.detail_query_params)
            if self.plan_path and self.plan_scoped_detail:
                allowed.add("plan")
        return allowed

    def explains_figures(self) -> bool:
        """Whether the resource carries an `explain` object (the figures
        engine's "show the math"), which `?explain=full` gives whole."""
        return "explain" in getattr(self.get_serializer_class(), "_declared_fields", {})

    def check_query_params(self, request) -> None:
        unknown = sorted(set(request.query_params) - self.allowed_query_params())
        if unknown:
            raise exceptions.ValidationError(
                {name: [_("Unknown query parameter for this endpoint.")] for name in unknown}
            )
        if "explain" in request.query_params:
            explain_limit(request)  # a 400 naming the parameter for anything but `full`

    def body_serializer(self):
        """The serializer that reads this request's body: the action's own
        (get_serializer_class), or for DELETE only the version."""
        if self.request.method == "DELETE":
            return VersionOnlySerializer()
        return self.get_serializer_class()(context=self.get_serializer_context())

    def check_body_fields(self, request) -> None:
        """A body field the operation does not take is a 400 naming it, never
        ignored: a misspelt field would otherwise change nothing and answer 200."""
        if request.method not in BODY_METHODS or getattr(self, "swagger_fake_view", False):
            return
        data = request.data
        if not isinstance(data, Mapping) or not data:
            return
        errors = unknown_body_fields(data, self.body_serializer())
        if errors:
            raise exceptions.ValidationError(errors)

    def filter_queryset(self, queryset):
        """Ordering by a figure sorts on the engine's own values for these rows."""
        for name in self.figure_ordering_fields:
            if self.orders_by(name):
                values = figure_fields.provider(self.figure_kind).values(name, queryset, self.request)
                queryset = queryset.annotate(**{name: figure_fields.as_annotation(values)})
        return super().filter_queryset(queryset)

    def orders_by(self, field: str) -> bool:
        """Whether this list request sorts on `field`."""
        return self.action == "list" and any(
            term.strip().lstrip("-") == field
            for value in self.request.query_params.getlist("ordering")
            for term in value.split(",")
        )

    # --- plan scope -----------------------------------------------------------

    def request_plan(self):
        """The plan named by `?plan=<code>`, or the current plan."""
        if not hasattr(self, "_request_plan"):
            codes = self.request.query_params.getlist("plan")
            if len(codes) > 1:
                raise exceptions.ValidationError({"plan": [_("Give this parameter once.")]})
            plans = visible(self.request.user, self.plan_model())
            if codes:
                plan = plans.filter(code=codes[0]).first()
                if plan is None:
                    message = _("No plan has the code %(code)s.") % {"code": codes[0]}
                    raise exceptions.ValidationError({"plan": [message]})
            else:
                plan = plans.current()
            self._request_plan = plan
        return self._request_plan

    def plan_model(self):
        """The plan model, reached from the resource's model along `plan_path`
        (the API base knows no app's models)."""
        model = self.serializer_class.Meta.model
        for name in self.plan_path.split("__") if self.plan_path else []:
            model = model._meta.get_field(name).related_model
        return model

    def scope_to_plan(self, queryset):
        if not self.plan_path or (self.action != "list" and not self.plan_scoped_detail):
            return queryset
        if self.action == "create":
            # A new object names its plan in the body; the response reads it back wherever it is.
            return queryset
        if getattr(self, "swagger_fake_view", False):
            return queryset.none()
        plan = self.request_plan()
        return queryset.filter(**{self.plan_path: plan}) if plan else queryset.none()

    # --- responses ------------------------------------------------------------

    def finalize_response(self, request, response, *args, **kwargs):
        # Errors are JSON whatever format was asked for (or could not be agreed on).
        if response.status_code >= 400 and isinstance(
            getattr(request, "accepted_renderer", None), (CSVRenderer, FileRenderer, type(None))
        ):
            request.accepted_renderer, request.accepted_media_type = JSONRenderer(), "application/json"
        response = super().finalize_response(request, response, *args, **kwargs)
        if isinstance(getattr(request, "accepted_renderer", None), CSVRenderer) and response.status_code == 200:
            response["Content-Disposition"] = f'attachment; filename="{self.basename}.csv"'
        return response

    def wants_csv(self) -> bool:
        return isinstance(getattr(self.request, "accepted_renderer", None), CSVRenderer)

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        # A CSV download holds every row unless a page is asked for; it is streamed.
        if self.wants_csv() and not ({"page", "page_size", "cursor"} & set(request.query_params)):
            return self.csv_download(queryset)
        page = self.paginate_queryset(queryset)
        self.annotate_objects(page, detail=False)
        serializer = self.get_serializer(page, many=True)
        return self.get_paginated_response(serializer.data)

    CSV_CHUNK = 500

    def csv_download(self, queryset) -> StreamingHttpResponse:
        """Every row of the list as CSV, in constant memory: the rows are read
        by one streamed query in the list's order (metroplan.db.batches),
        annotated and serialized CSV_CHUNK at a time, once. The pass that
        serializes them finds the columns (nested fields flattened as
        CSVRenderer does: a column for every key any row has) and spools the
        flattened rows (a temporary file past a megabyte); the response writes
        them from there. The bytes are those CSVRenderer gives for the whole list at once."""

        def rows():
            for objects in batches(queryset, self.CSV_CHUNK):
                self.annotate_objects(objects, detail=False)
                for data in self.get_serializer(objects, many=True).data:
                    yield flatten(data)

        # The rows are spooled as their cells' texts (as the csv writer makes
        # them: str()) and the number of their layout, the keys they have in
        # their order (the rows of one list have one or a few), a batch of
        # CSV_CHUNK at a time (marshal: the cheapest to write and read back).
        header: list[str] = []
        layouts: dict[tuple, int] = {}
        spool = tempfile.SpooledTemporaryFile(max_size=1024 * 1024)
        batch = []

        def spool_batch():
            data = marshal.dumps(batch)
            spool.write(len(data).to_bytes(8, "little") + data)
            batch.clear()

        for row in rows():
            keys = tuple(row)
            layout = layouts.get(keys)
            if layout is None:
                layout = layouts[keys] = len(layouts)
                header.extend(key for key in keys if key not in header)
            batch.append((layout, csv_cells(row.values())))
            if len(batch) >= self.CSV_CHUNK:
                spool_batch()
        if batch:
            spool_batch()
        if not header:
            header = list(self.get_serializer().fields.keys())
        places = {layout: [header.index(key) for key in keys] for keys, layout in layouts.items()}
        # A layout whose keys are the header's first ones, in its order (most
        # rows, often all): its cells are the line's first, the rest empty.
        leading = {layout for layout, at in places.items() if at == list(range(len(at)))}

        def lines():
            out = io.StringIO()
            writer = csv.writer(out, lineterminator="\r\n")

            def take() -> bytes:
                text = out.getvalue()
                out.seek(0)
                out.truncate()
                return text.encode("utf-8")

            try:
                writer.writerow(header)
                yield take()
                spool.seek(0)
                width = len(header)
                while size := spool.read(8):
                    for layout, cells in marshal.loads(spool.read(int.from_bytes(size, "little"))):
                        if layout in leading:
                            writer.writerow(cells + [""] * (width - len(cells)) if len(cells) < width else cells)
                            continue
                        line = [""] * width  # a key this row has not: an empty cell (DictWriter's restval)
                        for place, cell in zip(places[layout], cells, strict=True):
                            line[place] = cell
                        writer.writerow(line)
                    if out.tell() > 64 * 1024:
                        yield take()
                yield take()
            finally:
                spool.close()

        return StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")

    def retrieve(self, request, *args, **kwargs):
        instance = self.get_object()
        self.annotate_objects([instance], detail=True)
        etag = etag_for(instance)
        if_none_match = request.headers.get("If-None-Match")
        if if_none_match is not None and if_none_match_holds(if_none_match, etag):
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag})
        return Response(self.get_serializer(instance).data, headers={"ETag": etag})

    def annotate_objects(self, objects, *, detail: bool) -> None:
        """Attach what the serializer reads besides the rows' own fields, for the
        whole page at once (never one query per row): the resource's figures
        from the engine. Views add their own links."""
        if self.figure_kind is not None and objects:
            figure_fields.provider(self.figure_kind).attach(list(objects), self.request)

    def detail_response(self, pk, *, http_status=status.HTTP_200_OK, serializer_class=None):
        """The object as a fresh read shows it (with its figures), with its ETag."""
        instance = self.get_queryset().get(pk=pk)
        self.annotate_objects([instance], detail=True)
        serializer_class = serializer_class or self.get_response_serializer_class()
        data = serializer_class(instance, context=self.get_serializer_context()).data
        return Response(data, status=http_status, headers={"ETag": etag_for(instance)})

    def get_response_serializer_class(self):
        return getattr(self, "response_serializer_class", None) or self.serializer_class

    # --- preconditions on writes ----------------------------------------------

    def write_precondition(
        self, instance, body_version: int | None, *, required: bool = True
    ) -> tuple[int | None, str]:
        """The version the client says it is changing, and where it said so.

        If-Match wins over the body's `version`; it compares strongly, so a weak
        ETag (W/"...") never matches. A stale If-Match is a 412 here; a stale
        `version` is a 409 from the service (which compares under lock). With
        neither: 428 when `required`, else (None, "none") and no comparison.
        """
        header = self.request.headers.get("If-Match")
        version = getattr(instance, "version", None)
        if header is not None:
            if not if_match_holds(header, etag_for(instance)):
                raise PreconditionFailed()
            return version, "if-match"
        if body_version is not None:
            return body_version, "version"
        if not required:
            return None, "none"
        raise PreconditionRequired()

    @contextmanager
    def conflicts_from(self, source: str):
        """A service's ConflictError as 412 (If-Match) or 409 (`version`)."""
        try:
            yield
        except ConflictError as exc:
            if source == "if-match":
                raise PreconditionFailed(exc.message) from exc
            raise Conflict(exc.message) from exc


class ServiceWriteViewSet(ApiViewSet):
    """Writes that go through a service, the same way for every resource.

    A view declares `create_serializer_class` and `update_serializer_class`
    (shape only: types, lengths, choices, lookups of related codes) and
    implements `perform_create(data)`, `perform_update(instance, data,
    expected_version=...)` and, where a service refuses unsafe deletes,
    `perform_destroy(instance, expected_version=...)`; without it DELETE is 405.

    PUT gives every field of the update serializer; PATCH any of them. Writes
    to an existing object carry its version: If-Match with the ETag (stale →
    412) or the `version` field (stale → 409); neither → 428. A refused write
    changes nothing (the request's transaction is rolled back).
    """

    create_serializer_class = None
    update_serializer_class = None

    def get_serializer_class(self):
        if self.action == "create" and self.create_serializer_class is not None:
            return self.create_serializer_class
        if self.action in ("update", "partial_update") and self.update_serializer_class is not None:
            return self.update_serializer_class
        return self.serializer_class

    def write_context(self, instance=None) -> dict:
        """What write serializers need to resolve codes: the request, the view
        and the object being changed."""
        return {**self.get_serializer_context(), "instance": instance}

    def create(self, request, *args, **kwargs):
        serializer = self.create_serializer_class(data=request.data, context=self.write_context())
        serializer.is_valid(raise_exception=True)
        obj = self.perform_create(dict(serializer.validated_data))
        return self.detail_response(obj.pk, http_status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        instance = self.get_object()
        serializer = self.update_serializer_class(
            data=request.data, partial=partial, context=self.write_context(instance)
        )
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        expected_version, source = self.write_precondition(instance, data.pop("version", None))
        with self.conflicts_from(source):
            self.perform_update(instance, data, expected_version=expected_version)
        return self.detail_response(instance.pk)

    def partial_update(self, request, *args, **kwargs):
        kwargs["partial"] = True
        return self.update(request, *args, **kwargs)

    def destroy_with_service(self, request):
        """DELETE, for views that have a deleting service (they define
        `destroy` as `return self.destroy_with_service(request)`)."""
        instance = self.get_object()
        body_version = None
        if hasattr(request.data, "get") and request.data.get("version") is not None:
            try:
                body_version = int(request.data.get("version"))
            except (TypeError, ValueError):
                raise exceptions.ValidationError({"version": [_("A valid integer is required.")]}) from None
        expected_version, source = self.write_precondition(instance, body_version)
        with self.conflicts_from(source):
            self.perform_destroy(instance, expected_version=expected_version)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def perform_create(self, data: dict):  # pragma: no cover - views implement it
        raise NotImplementedError

    def perform_update(self, instance, data: dict, *, expected_version):  # pragma: no cover
        raise NotImplementedError

    def perform_destroy(self, instance, *, expected_version):  # pragma: no cover
        raise NotImplementedError
