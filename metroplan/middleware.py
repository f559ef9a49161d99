"""Refuse text with NUL characters before it reaches a view.

PostgreSQL cannot store or even compare a string holding NUL (0x00); without
this, such a value in a filter, a lookup or a field would surface as a 500
instead of a clear 400.
"""

import json

from django.http import HttpResponseBadRequest, JsonResponse
from django.utils.translation import gettext as _

NUL = "\x00"


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    return False


class RejectNulCharactersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._carries_nul(request):
            message = _("The request contains a NUL character, which is not allowed in text.")
            if request.path.startswith("/api/"):
                return JsonResponse({"code": "invalid", "message": message, "field_errors": {}}, status=400)
            return HttpResponseBadRequest(message)
        return self.get_response(request)

    @staticmethod
    def _carries_nul(request) -> bool:
        if NUL in request.path or any(_has_nul(k) or _has_nul(v) for k, v in request.GET.lists()):
            return True
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return False
        content_type = request.content_type or ""
        if content_type == "application/json":
            try:
                return _has_nul(json.loads(request.body or b"null"))
            except (ValueError, UnicodeDecodeError):
                return False  # malformed JSON: the parser answers 400 itself
        if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            return any(_has_nul(k) or _has_nul(v) for k, v in request.POST.lists())
        return False
