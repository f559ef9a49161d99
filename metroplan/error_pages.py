"""The site's error handlers (handler400 and handler500 in metroplan/urls.py).

A body too large to read is a 413 (bad_request). For an error nobody caught:
when the database cannot be reached (PostgreSQL restarting, a failover, too many
connections), the answer is a 503 that says nothing was saved and to try again in
a moment, with Retry-After: a page in the site's layout, or under /api/ the API's
one error shape. The page is rendered without touching the database (no request
context: no session, no user). Any other error is Django's 500.
"""

import logging
import sys

from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.defaults import server_error as django_server_error

from metroplan.middleware import body_limit, error

logger = logging.getLogger(__name__)

DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30


def database_unavailable_message() -> str:
    return _("The database is not answering, so nothing was changed. Try again in a minute.")


def server_error(request, template_name="500.html"):
    error = sys.exc_info()[1]
    if not isinstance(error, DATABASE_ERRORS):
        return django_server_error(request, template_name)
    logger.warning("Database unavailable for %s %s: %s", request.method, request.path, error)
    if request.path.startswith("/api/"):
        response = JsonResponse(
            {"code": "database_unavailable", "message": database_unavailable_message(), "field_errors": {}},
            status=503,
        )
    else:
        response = HttpResponse(render_to_string("database_unavailable.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def bad_request(request, exception=None):
    """A body too large to read (no Content-Length, or fields beyond
    DATA_UPLOAD_MAX_MEMORY_SIZE) is a 413 like any other too-large body."""
    if isinstance(exception, RequestDataTooBig):
        limit = body_limit(request)
        message = _("The request is too large: at most %(limit)s MB is accepted.") % {
            "limit": number_format(limit / 1024 / 1024, 1)
        }
        return error(request, 413, "too_large", message, "413.html")
    if request.path.startswith("/api/"):
        return error(request, 400, "bad_request", _("The request could not be read."), "400.html")
    return defaults.bad_request(request, exception)
