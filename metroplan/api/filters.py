"""Filter backends that refuse what they cannot honour.

django-filter and DRF ignore an unknown query parameter, an unknown ordering
field and a boolean they cannot read; an integrator then gets every row and
believes they were filtered. Here each of those is a 400 naming the parameter.
"""

import re
from datetime import UTC, timedelta

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext as _
from django_filters import filters as df_filters
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import exceptions
from rest_framework.filters import OrderingFilter, SearchFilter

BOOLEAN_VALUES = {"true": True, "false": False, "1": True, "0": False}
# PostgreSQL reads UTC offsets up to ±15:59; Python's up to ±23:59.
MAX_UTC_OFFSET = timedelta(hours=15, minutes=59)
MULTI_VALUE_FILTERS = (df_filters.MultipleChoiceFilter, df_filters.ModelMultipleChoiceFilter)


class StrictFilterBackend(DjangoFilterBackend):
    """django-filter, plus: booleans must be true/false/1/0 and a single-valued
    filter may be given once."""

    def get_filterset(self, request, queryset, view):
        filterset = super().get_filterset(request, queryset, view)
        if filterset is None:
            return None
        errors = {}
        for name, filter_ in filterset.filters.items():
            values = request.query_params.getlist(name)
            if not values:
                continue
            if any(not value.strip() for value in values):
                # django-filter reads an empty value as "no filter": every row, silently.
                errors[name] = [_("Give a value, or leave the parameter out.")]
            elif len(values) > 1 and not isinstance(filter_, MULTI_VALUE_FILTERS):
                errors[name] = [_("Give this parameter once.")]
            elif isinstance(filter_, df_filters.BooleanFilter) and values[0].lower() not in BOOLEAN_VALUES:
                errors[name] = [_("Enter true or false.")]
            elif isinstance(filter_, df_filters.DateTimeFilter) and (problem := _datetime_problem(filter_, values[0])):
                errors[name] = [problem]
        if errors:
            raise exceptions.ValidationError(errors)
        return filterset

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None and not set(filterset_class.base_filters) & set(request.query_params):
            # No filter is asked for: every filter would let the rows through (none is
            # required or has a default), so the form is not built. Query parameters are
            # the filters' names (ApiViewSet.check_query_params refuses any other).
            return queryset
        return super().filter_queryset(request, queryset, view)

    @staticmethod
    def enforced_parameters(parameters, view):
        """django-filter's parameters (from drf-spectacular's extension), as this
        backend enforces them: booleans plain, a field's RegexValidator as the
        parameter's pattern, and free text at least one character long."""
        filterset_class = getattr(view, "filterset_class", None)
        filters = filterset_class.base_filters if filterset_class is not None else {}
        for parameter in parameters:
            schema = parameter.setdefault("schema", {})
            if schema.get("type") == "boolean":
                parameter["schema"] = {"type": "boolean"}
                continue
            filter_ = filters.get(parameter["name"])
            if filter_ is None:
                continue
            if filter_.extra.get("help_text"):
                parameter["description"] = str(filter_.extra["help_text"])
            # The field class's validators: building `filter_.field` here would cache, on the class's
            # base filter, a field whose queryset was drawn without a request.
            for validator in getattr(filter_.field_class, "default_validators", []):
                if isinstance(validator, RegexValidator) and not validator.inverse_match:
                    schema["pattern"] = validator.regex.pattern
            if schema.get("type") == "string" and "enum" not in schema and "pattern" not in schema:
                schema["minLength"] = 1  # an empty value is refused
        return parameters


def _datetime_problem(filter_, raw: str) -> str | None:
    """Why a date-time value cannot be used in a query, or None. Malformed
    values are left to the filter's own form; this refuses what it would let
    through to the database: an offset beyond ±15:59, or a moment outside the
    years 1 to 9999 once in UTC."""
    try:
        value = filter_.field.clean(raw)
    except forms.ValidationError:
        return None
    if value is None:
        return None
    offset = value.utcoffset()
    if offset is not None and abs(offset) > MAX_UTC_OFFSET:
        return _("Give a UTC offset between -15:59 and +15:59.")
    try:
        value.astimezone(UTC)
    except OverflowError:
        return _("Give a date and time between the years 1 and 9999.")
    return None


SYNC_FIELD = "modified"
SYNC_PARAMETERS = ("modified_after", "modified_before")


def with_sync_filters(filterset_class):
    """`filterset_class` plus `modified_after` / `modified_before` when its model
    has the indexed `modified` column (incremental sync): the API base adds them
    to every list, so that no view can forget them. `modified_after` includes
    the given moment (a client that asks again from the newest `modified` it
    saw gets that row twice rather than missing a row saved in the same
    instant); `modified_before` excludes it."""
    model = filterset_class._meta.model
    if model is None or not any(field.name == SYNC_FIELD for field in model._meta.concrete_fields):
        return filterset_class
    if set(SYNC_PARAMETERS) <= set(filterset_class.base_filters):
        return filterset_class
    attrs = {
        "modified_after": df_filters.IsoDateTimeFilter(
            field_name=SYNC_FIELD, lookup_expr="gte",
            help_text="Rows changed at or after this moment (ISO 8601, e.g. 2026-12-07T13:00:00Z); "
            "sorted by `modified` unless `ordering` is given. Deletions are in /api/v1/changes/.",
        ),
        "modified_before": df_filters.IsoDateTimeFilter(
            field_name=SYNC_FIELD, lookup_expr="lt",
            help_text="Rows last changed before this moment (ISO 8601).",
        ),
        "Meta": type("Meta", (filterset_class.Meta,), {}),
        "__module__": filterset_class.__module__,
    }
    return type(filterset_class.__name__, (filterset_class,), attrs)


class StrictOrderingFilter(OrderingFilter):
    """`ordering=field` or `-field`, comma-separated; an unknown field is a 400."""

    def get_ordering(self, request, queryset, view):
        raw = request.query_params.getlist(self.ordering_param)
        if not raw:
            if set(SYNC_PARAMETERS) & set(request.query_params):
                return [SYNC_FIELD, "pk"]  # an incremental sync reads in the order rows changed
            return self.get_default_ordering(view)
        if len(raw) > 1:
            raise exceptions.ValidationError({self.ordering_param: [_("Give this parameter once.")]})
        allowed = {name for name, _label in self.get_valid_fields(queryset, view, {"request": request})}
        # Exactly as the schema's pattern says: `-?field`, comma-separated, nothing else.
        terms = raw[0].split(",")
        unknown = [term for term in terms if term.removeprefix("-") not in allowed]
        if unknown:
            raise exceptions.ValidationError(
                {
                    self.ordering_param: [
                        _("Cannot order by %(fields)s. Choose from: %(allowed)s.")
                        % {"fields": ", ".join(f"'{term}'" for term in unknown), "allowed": ", ".join(sorted(allowed))}
                    ]
                }
            )
        # A stable order across pages: the primary key breaks ties.
        return [*terms, "pk"]

    def get_schema_operation_parameters(self, view):
        """`ordering` as the filter reads it: one or more of the fields, each
        optionally prefixed with -, comma-separated."""
        fields = [name for name in getattr(view, "ordering_fields", None) or [] if name != "__all__"]
        if not fields:
            return []  # the view takes no `ordering`
        term = "-?(?:" + "|".join(re.escape(name) for name in fields) + ")"
        return [
            {
                "name": self.ordering_param,
                "required": False,
                "in": "query",
                "description": (
                    f"Order by {', '.join(fields)}; prefix a field with - for descending. Several, comma-separated "
                    f"(e.g. -{fields[0]},{fields[-1]}); ties are broken by id."
                ),
                "schema": {"type": "string", "pattern": rf"^{term}(?:,{term})*$"},
                "example": f"-{fields[0]}",
            }
        ]


class StrictSearchFilter(SearchFilter):
    """`search=words`; given at most once."""

    def get_search_terms(self, request):
        if len(request.query_params.getlist(self.search_param)) > 1:
            raise exceptions.ValidationError({self.search_param: [_("Give this parameter once.")]})
        return super().get_search_terms(request)

    def get_schema_operation_parameters(self, view):
        fields = ", ".join(field.lstrip("^=@$") for field in getattr(view, "search_fields", None) or [])
        if not fields:
            return []  # the view takes no `search`
        return [
            {
                "name": self.search_param,
                "required": False,
                "in": "query",
                "description": f"Words to look for in: {fields}.",
                "schema": {"type": "string"},
            }
        ]


def in_request_plan(model, plan_path: str):
    """A callable queryset for a ModelChoiceFilter: `model` rows of the plan the
    request is about (`?plan=`, or the current plan), where codes are unique."""

    def queryset(request):
        view = getattr(request, "parser_context", {}).get("view") if request is not None else None
        plan = view.request_plan() if view is not None and hasattr(view, "request_plan") else None
        if plan is None:
            return model.objects.none()
        return model.objects.filter(**{plan_path: plan})

    return queryset
