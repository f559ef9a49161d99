"""Request checks that run before any view.

- RequestSizeLimitMiddleware: a body larger than the limits is refused (413)
  from its Content-Length, before anything reads it.
- RejectNulCharactersMiddleware: text with NUL (0x00) in the path, the query
  string or a page's form is a 400. PostgreSQL cannot store or even compare a
  string holding NUL; without this, such a value in a filter, a lookup or a
  field would surface as a 500. It runs after authentication and reads no
  body itself: forms are parsed by Django (bounded by the upload settings),
  and the API's bodies are checked by its parsers (metroplan/api/parsers.py)
  when a view reads them.
- SignInFormActionMiddleware: the pages whose forms start a single sign-on
  (the login page, a provider's confirmation page) may send the browser on to
  the providers' origins (the Content Security Policy's form-action; browsers
  apply it to the redirect a form's answer makes).
- PrivatePagesMiddleware: answers to a signed-in user (or to a request with
  credentials) are
  `Cache-Control: private, no-store`, so that no shared cache or browser
  history keeps private data.
"""

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.utils.formats import number_format
from django.utils.translation import gettext as _

NUL = "\x00"
FORM_CONTENT_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def has_nul(value) -> bool:
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return any(has_nul(k) or has_nul(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(has_nul(item) for item in value)
    return False


def is_api(request) -> bool:
    return request.path.startswith("/api/")


def error(request, status: int, code: str, message: str, template: str):
    """The API's error shape under /api/, a page in the site's layout elsewhere."""
    if is_api(request):
        return JsonResponse({"code": code, "message": message, "field_errors": {}}, status=status)
    return render(request, template, {"message": message}, status=status)


def body_limit(request) -> int:
    """The most bytes a request body may have: uploads (multipart) may carry an
    evidence file or a spreadsheet; anything else is text."""
    if (request.content_type or "") == "multipart/form-data":
        return settings.REQUEST_MAX_UPLOAD_BYTES
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


class RequestSizeLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return HttpResponse(_("The Content-Length header is not a number."), status=400,
                                content_type="text/plain; charset=utf-8")
        limit = body_limit(request)
        if length > limit:
            message = _("The request is too large: %(size)s MB, where at most %(limit)s MB is accepted.") % {
                "size": number_format(length / 1024 / 1024, 1), "limit": number_format(limit / 1024 / 1024, 1),
            }
            response = error(request, 413, "too_large", message, "413.html")
            response["Connection"] = "close"  # the body is not read
            return response
        return self.get_response(request)


class RejectNulCharactersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._carries_nul(request):
            message = _("The request contains a NUL character, which is not allowed in text.")
            if is_api(request):
                return JsonResponse({"code": "invalid", "message": message, "field_errors": {}}, status=400)
            return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
        return self.get_response(request)

    @staticmethod
    def _carries_nul(request) -> bool:
        if NUL in request.path or any(has_nul(k) or has_nul(v) for k, v in request.GET.lists()):
            return True
        if is_api(request) or request.method in ("GET", "HEAD", "OPTIONS"):
            return False
        if (request.content_type or "") in FORM_CONTENT_TYPES:
            return any(has_nul(k) or has_nul(v) for k, v in request.POST.lists())
        return False


class PrivatePagesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        signed_in = (user is not None and user.is_authenticated) or "HTTP_AUTHORIZATION" in request.META
        if signed_in and not request.path.startswith(settings.STATIC_URL):
            patch_cache_control(response, private=True, no_store=True)
        return response


SIGN_IN_FORM_PAGES = {"login", "account_login", "openid_connect_login", "saml_login", "account_reauthenticate"}


class SignInFormActionMiddleware:
    """Listed after csp.middleware.CSPMiddleware, so that it marks the answer
    before the policy is written."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        if match is not None and match.url_name in SIGN_IN_FORM_PAGES:
            from metroplan.sign_in_providers import provider_origins

            origins = provider_origins(settings.SOCIALACCOUNT_PROVIDERS)
            if origins:
                response._csp_update = {**(getattr(response, "_csp_update", None) or {}), "form-action": origins}
        return response
