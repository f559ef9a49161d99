"""The site's error handlers (handler400 and friends in metroplan/urls.py)."""

from django.core.exceptions import RequestDataTooBig
from django.utils.translation import gettext as _
from django.views import defaults

from metroplan.middleware import body_limit, error


def bad_request(request, exception=None):
    """A body too large to read (no Content-Length, or fields beyond
    DATA_UPLOAD_MAX_MEMORY_SIZE) is a 413 like any other too-large body."""
    if isinstance(exception, RequestDataTooBig):
        limit = body_limit(request)
        message = _("The request is too large: at most %(limit)s MB is accepted.") % {
            "limit": f"{limit / 1024 / 1024:.1f}"
        }
        return error(request, 413, "too_large", message, "413.html")
    if request.path.startswith("/api/"):
        return error(request, 400, "bad_request", _("The request could not be read."), "400.html")
    return defaults.bad_request(request, exception)
