"""The OpenAPI schema says everything the API answers, as the server enforces
it, so that a client generated from /api/schema/ alone works:

- a summary, a description and an example for every operation;
- the error shape for each status an operation really gives (400, 401, 403,
  404, 409, 412, 428, 429, ...);
- the query parameters every list takes (`format`, `plan`), `If-Match`
  required where a write without it is a 428, the ETag of detail responses;
- CSV as text/csv: `?format=csv` on the JSON operation, and a CSV operation of
  its own for every list (GET /api/v1/<resource>.csv), whose generated client
  function returns the text;
- file downloads (views' `file_actions`) with their content types, byte ranges
  (206, 416) and conditional requests (304).
"""

import copy
import re

from drf_spectacular.contrib.django_filters import DjangoFilterExtension
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

from metroplan.api.explain import EXPLAIN_PARAMETER


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable, for programs: not_found, invalid, conflict, ...")
    message = serializers.CharField(help_text="For people, in the request's language.")
    field_errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Messages per request field, query parameter or header at fault.",
    )

    class Meta:
        ref_name = "Error"


ERROR_DESCRIPTIONS = {
    "400": "Invalid input: a field, query parameter or header (named in field_errors) is wrong.",
    "401": "No credentials, or a key that is unknown, expired or revoked.",
    "403": "Authenticated, but not allowed (e.g. a read token writing, or another member's update).",
    "404": "No such object among those you can see (or a page past the end).",
    "406": "None of the formats in Accept can be given.",
    "409": "The write conflicts with the object's state or with a newer version (stale `version`).",
    "412": "If-Match does not match the object's current ETag: it changed since you read it.",
    "415": "The request body's content type is not accepted.",
    "428": "A write must say which version it changes: If-Match or `version`.",
    "429": "Too many requests; wait for Retry-After seconds.",
    "503": "A service the operation needs (the task queue) is down; nothing was saved.",
}

FORMAT_PARAMETER = OpenApiParameter(
    "format", OpenApiTypes.STR, OpenApiParameter.QUERY, enum=["json", "csv"],
    description="json (default) or csv. A CSV list holds every matching row unless page or page_size is given.",
)
JSON_FORMAT_PARAMETER = OpenApiParameter(
    "format", OpenApiTypes.STR, OpenApiParameter.QUERY, enum=["json"],
    description="json (the default; this operation answers JSON only).",
)
PLAN_PARAMETER = OpenApiParameter(
    "plan", OpenApiTypes.STR, OpenApiParameter.QUERY,
    description="Code of the plan (e.g. 2021-2023); the current plan when not given.",
)
IF_MATCH = OpenApiParameter(
    "If-Match", OpenApiTypes.STR, OpenApiParameter.HEADER,
    description='The ETag from your last read, e.g. "progressupdate-12-v3". Or send `version` in the body.',
)
IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match", OpenApiTypes.STR, OpenApiParameter.HEADER,
    description="An ETag; 304 Not Modified when it is still current.",
)
IF_MATCH_REQUIRED = OpenApiParameter(
    "If-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, required=True,
    description='The ETag from your last read, e.g. "progressupdate-12-v3": a stale one is 412, a weak one '
    "(W/...) never matches. Without it (and without `version` in the body) the write is refused with 428.",
)
ETAG_HEADER = OpenApiParameter(
    "ETag", OpenApiTypes.STR, OpenApiParameter.HEADER, response=["200", "201"],
    description="The object's version; send it back in If-Match to change the object.",
)
RANGE = OpenApiParameter(
    "Range", OpenApiTypes.STR, OpenApiParameter.HEADER,
    description="One byte range, e.g. bytes=0-1023, bytes=1024- or bytes=-500: a 206 with that part; past the end "
    "of the file, 416. Several ranges, or a malformed one, get the whole file.",
)
IF_RANGE = OpenApiParameter(
    "If-Range", OpenApiTypes.STR, OpenApiParameter.HEADER,
    description="The ETag of the copy you have: the range only if it is still current, else the whole file.",
)
BINARY = {"type": "string", "format": "binary"}
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
# What each kind of operation is, for its summary (views' own docstrings say more).
ACTION_SUMMARIES = {
    "list": "List {plural}",
    "retrieve": "Read one {singular}",
    "create": "Create {a} {singular}",
    "update": "Replace {a} {singular}",
    "partial_update": "Change {a} {singular}",
    "destroy": "Delete {a} {singular}",
}
ACTION_NOTES = {
    "list": "Paginated (`page`, `page_size`); filters, `ordering` and `search` as listed below; an unknown or "
    "empty parameter is a 400 naming it. `?format=csv` (or GET {csv_path}) gives every matching row as CSV.",
    "retrieve": "The response carries the object's ETag; send it in If-None-Match for a 304 while it is unchanged, "
    "and in If-Match to change the object.",
    "create": "Fields the operation does not take are a 400 naming them.",
    "write": "Say which version you change: If-Match with the ETag of your last read (stale: 412) or the `version` "
    "field (stale: 409); with neither, 428. Fields the operation does not take are a 400 naming them.",
    "optional_write": "With If-Match (stale: 412) or `version` (stale: 409), a write made on an older version of "
    "the update is refused. Fields the operation does not take are a 400 naming them.",
}


def first_sentence(text: str | None) -> str:
    text = " ".join((text or "").split())
    match = re.match(r"(.+?[.!?])(\s|$)", text)
    return (match.group(1) if match else text).rstrip(".")


class ApiAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema, told what the API base enforces (every
    view of the API uses it: REST_FRAMEWORK's DEFAULT_SCHEMA_CLASS)."""

    def _is_detail(self) -> bool:
        return "{" in self.path

    def _is_write(self) -> bool:
        return self.method in WRITE_METHODS

    def _action(self) -> str | None:
        return getattr(self.view, "action", None)

    def _is_file(self) -> bool:
        return self._action() in (getattr(self.view, "file_actions", None) or {})

    def _is_api_viewset(self) -> bool:
        return hasattr(self.view, "file_actions")  # metroplan.api.viewsets.ApiViewSet

    def _precondition(self) -> str | None:
        """'required' where a write on an existing object without If-Match or
        `version` is a 428, 'optional' where they are compared when given."""
        if not (self._is_write() and self._is_detail() and self._is_api_viewset()):
            return None
        if self._action() in getattr(self.view, "optional_precondition_actions", ()):
            return "optional"
        return "required"

    # --- words -----------------------------------------------------------------

    def _names(self) -> tuple[str, str]:
        serializer = getattr(self.view, "serializer_class", None)
        model = getattr(getattr(serializer, "Meta", None), "model", None)
        if model is None:
            return "object", "objects"
        return str(model._meta.verbose_name), str(model._meta.verbose_name_plural)

    def get_summary(self):
        summary = super().get_summary() or (getattr(self.view, "summaries", None) or {}).get(self._action())
        if summary:
            return summary
        action = self._action()
        singular, plural = self._names()
        if action in ACTION_SUMMARIES and not self._own_doc():
            article = "an" if singular[:1].lower() in "aeiou" else "a"
            return ACTION_SUMMARIES[action].format(singular=singular, plural=plural, a=article)
        return first_sentence(self._own_doc() or self.get_view_doc()) or f"{self.method} {self.path}"

    def _own_doc(self) -> str:
        """The docstring of the method that answers this operation, if the view wrote one."""
        action = self._action() or self.method.lower()
        method = getattr(self.view, action, None)
        own = getattr(type(self.view), action, None)
        if method is None or own is None or not own.__doc__:
            return ""
        # A docstring inherited from the API base (or DRF) is not the view's own word.
        for base in type(self.view).__mro__:
            if action in base.__dict__:
                return "" if base.__module__.startswith(("metroplan.api", "rest_framework")) else own.__doc__
        return ""

    def get_tags(self):
        """Operations grouped by resource (updates, reports, ...), as the docs list them."""
        match = re.match(r"^/api/v1/([a-z_-]+)", self.path)
        return [match.group(1)] if match else super().get_tags()

    def get_view_doc(self) -> str:
        return type(self.view).__doc__ or ""

    def get_description(self):
        description = super().get_description() or self.get_view_doc()
        action = self._action()
        notes = []
        if action == "list":
            notes.append(ACTION_NOTES["list"].format(csv_path=self.path.rstrip("/") + ".csv"))
        elif action == "retrieve":
            notes.append(ACTION_NOTES["retrieve"])
        elif action == "create" and self._is_api_viewset():
            notes.append(ACTION_NOTES["create"])
        precondition = self._precondition()
        if precondition == "required":
            notes.append(ACTION_NOTES["write"])
        elif precondition == "optional":
            notes.append(ACTION_NOTES["optional_write"])
        if self._is_file():
            notes.append(
                "Streams the file after the same visibility rule as the pages, with Content-Disposition "
                "(the file's name), a strong ETag (If-None-Match: 304) and one byte range (Range, If-Range: 206; "
                "past the end: 416). Where files are on object storage, the answer may be a 302 to a signed URL "
                "that expires within a minute."
            )
        text = "\n\n".join(part.strip() for part in [" ".join(description.split()), *notes] if part and part.strip())
        return text

    # --- parameters ---------------------------------------------------------------

    def _get_format_parameters(self):
        if self._is_file():
            return []  # a file download takes no `format`
        return super()._get_format_parameters()

    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        if not self._is_api_viewset():
            return parameters
        action = self._action()
        if self._is_file():
            parameters += [IF_NONE_MATCH, RANGE, IF_RANGE]
            for name in self.view.file_actions[action]:
                parameters.append(self.view.file_query_parameters[name])
            return parameters
        if self.method == "GET":
            answers_csv = any(renderer.format == "csv" for renderer in self.view.get_renderers())
            parameters.append(FORMAT_PARAMETER if answers_csv else JSON_FORMAT_PARAMETER)
            if getattr(self.view, "explains_figures", lambda: False)():
                parameters.append(EXPLAIN_PARAMETER)
            if self._is_detail():
                parameters += [IF_NONE_MATCH, ETAG_HEADER]
                if getattr(self.view, "plan_path", None) and getattr(self.view, "plan_scoped_detail", False):
                    parameters.append(PLAN_PARAMETER)
            elif action == "list" and getattr(self.view, "plan_path", None):
                parameters.append(PLAN_PARAMETER)
        elif self._is_write():
            precondition = self._precondition()
            if precondition == "required":
                parameters.append(IF_MATCH_REQUIRED)
            elif precondition == "optional":
                parameters.append(IF_MATCH)
            parameters.append(ETAG_HEADER)
        return parameters

    def _resolve_path_parameters(self, variables):
        parameters = super()._resolve_path_parameters(variables)
        for parameter in parameters:
            choices = (getattr(self.view, "path_parameter_choices", None) or {}).get(parameter["name"])
            if choices:
                parameter["schema"] = {"type": "string", "enum": list(choices)}
        return parameters

    # --- responses ----------------------------------------------------------------

    def _file_responses(self) -> dict:
        content_types = self.view.file_content_types[self._action()]
        content = {content_type: {"schema": BINARY} for content_type in content_types}
        file_headers = {
            "ETag": {"schema": {"type": "string"}, "description": "Strong; the same for the same file."},
            "Content-Disposition": {"schema": {"type": "string"}, "description": "The file's name."},
            "Accept-Ranges": {"schema": {"type": "string", "enum": ["bytes"]}},
        }
        return {
            "200": {"description": "The file.", "content": content, "headers": file_headers},
            "206": {
                "description": "The byte range asked for in Range.",
                "content": copy.deepcopy(content),
                "headers": {
                    **file_headers,
                    "Content-Range": {"schema": {"type": "string"}, "description": "e.g. bytes 0-1023/52311"},
                },
            },
            "302": {
                "description": "On object storage: the file at a signed URL that expires within a minute.",
                "headers": {"Location": {"schema": {"type": "string", "format": "uri"}}},
            },
            "304": {"description": "Not modified: your ETag is current."},
            "416": {
                "description": "The range lies past the end of the file.",
                "headers": {
                    "Content-Range": {"schema": {"type": "string"}, "description": "bytes */ and the file's size"}
                },
            },
        }

    def _get_response_bodies(self, direction="response"):
        if not self._is_api_viewset():
            return super()._get_response_bodies(direction)
        action = self._action()
        if self._is_file():
            responses = self._file_responses()
            responses.update(copy.deepcopy((getattr(self.view, "file_extra_responses", None) or {}).get(action, {})))
            codes = ["400", "401", "404", "429"]
        else:
            responses = super()._get_response_bodies(direction)
            if self.method == "GET":
                codes = ["400", "401", "404", "406", "429"]
                if self._is_detail():
                    responses.setdefault("304", {"description": "Not modified: your ETag is current."})
                for response in responses.values():  # ?format=csv
                    if "application/json" in response.get("content", {}):
                        response["content"]["text/csv"] = {"schema": {"type": "string"}}
            else:
                codes = ["400", "401", "403", "406", "409", "415", "429"]
                if self._is_detail():
                    codes += ["404", "412"]
                if self._precondition() == "required":
                    codes.append("428")
        codes += list(getattr(self.view, "extra_error_statuses", {}).get(action, []))
        for code in codes:
            if code not in responses:
                response = self._get_response_for_code(ErrorSerializer, code, media_types=["application/json"])
                response["description"] = ERROR_DESCRIPTIONS[code]
                if code == "429":
                    response["headers"] = {
                        "Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}
                    }
                responses[code] = response
        return responses


class StrictFilterExtension(DjangoFilterExtension):
    """django-filter's parameters as metroplan.api.filters.StrictFilterBackend enforces them."""

    target_class = "metroplan.api.filters.StrictFilterBackend"
    priority = 1

    def get_schema_operation_parameters(self, auto_schema, *args, **kwargs):
        from metroplan.api.filters import StrictFilterBackend

        parameters = super().get_schema_operation_parameters(auto_schema, *args, **kwargs)
        return StrictFilterBackend.enforced_parameters(parameters, auto_schema.view)


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """`Authorization: Bearer <key>` (or `Token <key>`)."""

    target_class = "members.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token: `Authorization: Bearer <key>` or `Authorization: Token <key>`. "
            "Staff issue tokens at /tokens/ or with `manage.py issue_token`.",
        }


# --- after generation: CSV operations and examples ------------------------------------------

EXAMPLE_WORDS = {
    "code": "1.2", "slug": "bogota", "member": "bogota", "period": "2022-Q3", "plan": "2021-2023",
    "action": "1.2", "goal": "1", "region": "latin-america", "name": "Bogotá", "title": "Metropolitan governance",
    "narrative": "The metropolitan council adopted the mobility plan; two districts still have to sign it.",
    "country": "Colombia", "country_code": "CO", "file_name": "minutes.pdf", "unit": "%",
    "username": "secretariat", "requested_by": "secretariat", "submitted_by": "fp-bogota", "reviewed_by": "secretariat",
    "reason": "No survey this quarter", "comment": "Please add the council's minutes.", "time_zone": "America/Bogota",
    "reviewer_comment": "", "failure_reason": "", "correction_note": "", "description": "", "source": "",
    "indicator_code": "1.2.a", "message": "The request has invalid fields.",
    "url": "https://www.example.org/council-minutes",
}
EXAMPLE_NUMBERS = {"version": 3, "id": 12, "count": 141, "page": 1, "page_size": 50, "indicator": 7, "order": 1}
ERROR_EXAMPLE = {
    "code": "invalid", "message": "The request has invalid fields.",
    "field_errors": {"state": ["Select a valid choice. bogus is not one of the available choices."]},
}
# What each error status says, as the server words it (metroplan/api/errors.py).
ERROR_EXAMPLES = {
    "400": ERROR_EXAMPLE,
    "401": {"code": "not_authenticated", "message": "Authentication credentials were not provided."},
    "403": {"code": "permission_denied", "message": "This token has the read scope and cannot write."},
    "404": {"code": "not_found", "message": "Not found."},
    "406": {"code": "not_acceptable", "message": "Could not satisfy the request Accept header."},
    "409": {"code": "conflict", "message": "Someone else saved this progress update since you opened it "
            "(you had version 2, it is now at version 3)."},
    "412": {"code": "precondition_failed",
            "message": "The object changed since you read it: its ETag no longer matches If-Match."},
    "415": {"code": "unsupported_media_type", "message": 'Unsupported media type "text/plain" in request.'},
    "428": {"code": "precondition_required", "message": "Say which version you are changing: send the ETag in "
            "If-Match, or the `version` field in the body."},
    "429": {"code": "throttled", "message": "Request was throttled. Expected available in 60 seconds."},
    "503": {"code": "broker_unavailable", "message": "The service is temporarily unavailable; try again in a "
            "few minutes."},
}


def example_for(schema: dict, components: dict, name: str | None = None, depth: int = 0):
    """A plausible value of `schema` (an example for the docs and for generated
    clients' readers), built from the schema itself so that it never drifts
    from it."""
    if depth > 8:
        return None
    if "$ref" in schema:
        ref = schema["$ref"].rsplit("/", 1)[-1]
        if ref == "Error":
            return copy.deepcopy(ERROR_EXAMPLE)
        return example_for(components.get(ref, {}), components, name, depth + 1)
    for combined in ("allOf", "oneOf", "anyOf"):
        if schema.get(combined):
            return example_for(schema[combined][0], components, name, depth + 1)
    if "example" in schema:
        return schema["example"]
    if schema.get("enum"):
        values = [value for value in schema["enum"] if value not in ("", None)]
        return values[0] if values else schema["enum"][0]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        properties = schema.get("properties", {})
        if properties:
            return {key: example_for(value, components, key, depth + 1) for key, value in properties.items()}
        extra = schema.get("additionalProperties")
        return {"key": example_for(extra, components, None, depth + 1)} if isinstance(extra, dict) else {}
    if kind == "array":
        return [example_for(schema.get("items", {}), components, name, depth + 1)]
    if kind == "integer":
        value = EXAMPLE_NUMBERS.get(name, 1)
        return max(schema.get("minimum", value), min(schema.get("maximum", value), value))
    if kind == "number":
        return 0.5
    if kind == "boolean":
        return name not in ("retired", "not_available", "is_demo", "no_change")
    fmt = schema.get("format")
    if fmt == "date":
        return "2022-09-30"
    if fmt == "date-time":
        return "2022-10-15T09:30:00Z"
    if fmt == "uri":
        return EXAMPLE_WORDS.get(name) or f"https://metroplan.example.org/api/v1/{name or 'resource'}/12/"
    if fmt == "decimal":
        return "12.50"
    if fmt == "binary":
        return None
    return EXAMPLE_WORDS.get(name, name.replace("_", " ") if name else "text")


def postprocess(result, generator, request, public):
    """After drf-spectacular: a CSV operation for every list, and an example
    in every operation's success response (and request body)."""
    components = result.get("components", {}).get("schemas", {})
    paths = result.get("paths", {})
    for path, operations in list(paths.items()):
        listing = operations.get("get")
        if not listing or not listing.get("operationId", "").endswith("_list"):
            continue
        csv = copy.deepcopy(listing)
        csv["operationId"] = listing["operationId"] + "_csv"
        csv["summary"] = f"{listing.get('summary', '')} as CSV".strip()
        csv["description"] = (
            f"Every row of GET {path} that matches the filters, as CSV (UTF-8, one row per object, nested fields "
            "flattened as `field.subfield`), unless `page` or `page_size` is given."
        )
        csv["parameters"] = [parameter for parameter in csv.get("parameters", []) if parameter["name"] != "format"]
        success = csv["responses"]["200"]
        success["content"] = {"text/csv": {"schema": {"type": "string"}}}
        success["headers"] = {"Content-Disposition": {"schema": {"type": "string"}, "description": "attachment"}}
        paths[path.rstrip("/") + ".csv"] = {"get": csv}
    for operations in paths.values():
        for method, operation in operations.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            for media_type, body in operation.get("requestBody", {}).get("content", {}).items():
                if media_type == "application/json" and "example" not in body:
                    body["example"] = example_for(body.get("schema", {}), components)
            for status_code, response in operation.get("responses", {}).items():
                for media_type, body in response.get("content", {}).items():
                    if "example" in body or body.get("schema", {}).get("format") == "binary":
                        continue
                    if status_code in ERROR_EXAMPLES and media_type == "application/json":
                        body["example"] = {"field_errors": {}, **ERROR_EXAMPLES[status_code]}
                    elif media_type == "text/csv":
                        body["example"] = "id,code,title\r\n12,1.2,Metropolitan governance\r\n"
                    elif media_type == "application/json":
                        body["example"] = example_for(body.get("schema", {}), components)
    return result

