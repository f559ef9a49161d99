"""The OpenAPI schema says everything the API answers: the error shape for each
status an operation can give, the query parameters every list takes (`format`,
`plan`), the precondition headers of writes and the ETag of detail responses."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers


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
ETAG_HEADER = OpenApiParameter(
    "ETag", OpenApiTypes.STR, OpenApiParameter.HEADER, response=["200", "201"],
    description="The object's version; send it back in If-Match to change the object.",
)


class ApiAutoSchema(AutoSchema):
    def _is_detail(self) -> bool:
        return "{" in self.path

    def _is_write(self) -> bool:
        return self.method in ("POST", "PUT", "PATCH", "DELETE")

    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        action = getattr(self.view, "action", None)
        if self.method == "GET":
            parameters.append(FORMAT_PARAMETER)
            if self._is_detail():
                parameters += [IF_NONE_MATCH, ETAG_HEADER]
                if getattr(self.view, "plan_path", None) and getattr(self.view, "plan_scoped_detail", False):
                    parameters.append(PLAN_PARAMETER)
            elif action == "list" and getattr(self.view, "plan_path", None):
                parameters.append(PLAN_PARAMETER)
        elif self._is_write():
            if self._is_detail():
                parameters.append(IF_MATCH)
            parameters.append(ETAG_HEADER)
        return parameters

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if self.method == "GET":
            codes = ["400", "401", "404", "406", "429"]
            if self._is_detail():
                responses.setdefault("304", {"description": "Not modified: your ETag is current."})
        else:
            codes = ["400", "401", "403", "406", "409", "415", "429"]
            if self._is_detail():
                codes += ["404", "412", "428"]
            codes += list(getattr(self.view, "extra_error_statuses", {}).get(getattr(self.view, "action", None), []))
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
