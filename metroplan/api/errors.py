"""One error shape for the whole API:

    {"code": "not_found", "message": "...", "field_errors": {"field": ["..."]}}
"""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def _flatten(detail):
    if isinstance(detail, dict):
        return {key: _flatten(value) for key, value in detail.items()}
    if isinstance(detail, list):
        flat = []
        for item in detail:
            flat.extend(_flatten(item) if isinstance(item, list) else [_flatten(item)])
        return flat
    return str(detail)


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail
        field_errors = _flatten(detail) if isinstance(detail, dict) else {"non_field_errors": _flatten(detail)}
        response.data = {
            "code": "invalid",
            "message": "The request has invalid fields.",
            "field_errors": field_errors,
        }
        return response
    if isinstance(exc, (Http404, exceptions.NotFound)):
        code, message = "not_found", "Not found."
    elif isinstance(exc, (PermissionDenied,)):
        code, message = "permission_denied", str(exc) or "You do not have permission to perform this action."
    elif isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else "error"
        message = str(exc.detail) if not isinstance(exc.detail, (dict, list)) else str(exc)
    else:  # pragma: no cover - DRF only handles the above
        code, message = "error", str(exc)
    response.data = {"code": code, "message": message, "field_errors": {}}
    if response.status_code == status.HTTP_429_TOO_MANY_REQUESTS and getattr(exc, "wait", None):
        response["Retry-After"] = str(int(exc.wait) + 1)
    return response


def error_response(code: str, message: str, http_status: int, field_errors=None) -> Response:
    return Response({"code": code, "message": message, "field_errors": field_errors or {}}, status=http_status)
