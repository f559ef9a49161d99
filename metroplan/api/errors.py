"""One error shape for the whole API:

    {"code": "not_found", "message": "...", "field_errors": {"field": ["..."]}}

`code` is stable and meant for programs; `message` is for people (translated);
`field_errors` names the request fields, query parameters or headers at fault.

Service errors (metroplan.services) map here, so that views only call services:
PermissionDenied → 403, ValidationError → 400 with field errors, ConflictError
→ 409 (412 when the view says the stale version came from If-Match),
ServiceError → 400 or 409 (503 when the task queue is down) with its code.
"""

import logging

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from metroplan.error_pages import RETRY_AFTER_SECONDS, database_unavailable_message
from metroplan.services import ConflictError, ServiceError

logger = logging.getLogger(__name__)

# ServiceError codes that say the request itself was wrong (400); any other
# refusal is about the state of things (409).
BAD_REQUEST_CODES = {"not_participant", "wrong_plan", "invalid_kind", "gone"}
UNAVAILABLE_CODES = {"broker_unavailable"}


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("The object changed since you read it.")
    default_code = "conflict"


class NotFoundBecause(exceptions.NotFound):
    """A 404 whose message says why (what exists is no secret: e.g. a link has
    no file); a plain 404 says only "Not found." so as not to leak."""


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = _("The object changed since you read it: its ETag no longer matches If-Match.")
    default_code = "precondition_failed"


class PreconditionRequired(exceptions.APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = _(
        "Say which version you are changing: send the ETag in If-Match, or the `version` field in the body."
    )
    default_code = "precondition_required"


class ServiceUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = _("The service is temporarily unavailable; try again in a few minutes.")
    default_code = "unavailable"


class ServiceRefused(exceptions.APIException):
    """A ServiceError, carried through DRF's handler (which rolls back the request)."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "refused"

    def __init__(self, message, code, http_status):
        super().__init__(message, code)
        self.status_code = http_status


def api_exception_for(exc):
    """The DRF exception a service error stands for (or `exc` unchanged)."""
    if isinstance(exc, ConflictError):
        return Conflict(exc.message)
    if isinstance(exc, ServiceError):
        if exc.code in UNAVAILABLE_CODES:
            unavailable = ServiceUnavailable(exc.message, exc.code)
            unavailable.wait = 60
            return unavailable
        http_status = status.HTTP_400_BAD_REQUEST if exc.code in BAD_REQUEST_CODES else status.HTTP_409_CONFLICT
        return ServiceRefused(exc.message, exc.code, http_status)
    if isinstance(exc, (OperationalError, InterfaceError)):
        # The database is away (a restart, a failover): nothing was changed; say so and when to retry.
        unavailable = ServiceUnavailable(database_unavailable_message(), "database_unavailable")
        unavailable.wait = RETRY_AFTER_SECONDS
        return unavailable
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            return exceptions.ValidationError(exc.message_dict)
        return exceptions.ValidationError({"non_field_errors": exc.messages})
    return exc


def _flatten(detail):
    if isinstance(detail, dict):
        return {str(key): _flatten_list(value) for key, value in detail.items()}
    return _flatten_list(detail)


def _flatten_list(detail):
    """Field errors as a flat list of messages; nested serializer errors become
    dotted keys' messages joined, so that the shape stays {field: [str]}."""
    if isinstance(detail, dict):
        return [f"{key}: {message}" for key, value in detail.items() for message in _flatten_list(value)]
    if isinstance(detail, list):
        flat = []
        for index, item in enumerate(detail):
            if isinstance(item, dict):
                flat.extend(f"[{index}] {message}" for message in _flatten_list(item))
            elif isinstance(item, list):
                flat.extend(_flatten_list(item))
            elif str(item):
                flat.append(str(item))
        return flat
    return [str(detail)]


def exception_handler(exc, context):
    exc = api_exception_for(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        # An unexpected error: still JSON in the same shape, logged with its traceback.
        logger.exception("Unhandled error in the API", exc_info=exc)
        set_rollback()
        return error_response("server_error", str(_("Something went wrong on our side.")), 500)
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail
        field_errors = _flatten(detail) if isinstance(detail, dict) else {"non_field_errors": _flatten_list(detail)}
        response.data = {
            "code": "invalid",
            "message": str(_("The request has invalid fields.")),
            "field_errors": field_errors,
        }
        return response
    if isinstance(exc, NotFoundBecause):
        code, message = "not_found", str(exc.detail)
    elif isinstance(exc, (Http404, exceptions.NotFound)):
        code, message = "not_found", str(_("Not found."))
    elif isinstance(exc, PermissionDenied):
        code = "permission_denied"
        message = str(exc) or str(_("You do not have permission to perform this action."))
    elif isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else "error"
        message = str(exc.detail) if not isinstance(exc.detail, (dict, list)) else str(exc)
    else:  # pragma: no cover - DRF only handles the above
        code, message = "error", str(exc)
    response.data = {"code": code, "message": message, "field_errors": {}}
    wait = getattr(exc, "wait", None)
    if response.status_code in (status.HTTP_429_TOO_MANY_REQUESTS, status.HTTP_503_SERVICE_UNAVAILABLE) and wait:
        response["Retry-After"] = str(int(wait) + 1)
    return response


def error_response(code: str, message: str, http_status: int, field_errors=None) -> Response:
    return Response({"code": code, "message": message, "field_errors": field_errors or {}}, status=http_status)
