"""The answer to an error nobody caught (the root URL configuration's handler500).

When the database cannot be reached (PostgreSQL restarting, a failover, too many
connections), the answer is a 503 that says nothing was saved and to try again in
a moment, with Retry-After: a page in the site's layout, or under /api/ the API's
one error shape. The page is rendered without touching the database (no request
context: no session, no user). Any other error is Django's 500.
"""

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.defaults import server_error as django_server_error

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
