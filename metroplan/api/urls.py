"""The API's root: /api/v1/ (the router metroplan/urls.py fills with the
apps' resources), /api/schema/ and /api/docs/.

The schema and the docs are public (they hold no data), so that a client that
knows only /api/schema/ can find its way; the docs' assets are served by the
site (drf-spectacular-sidecar), not fetched from the internet."""

from django.db import transaction
from django.http import JsonResponse
from django.urls import include, path, re_path
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny
from rest_framework.routers import DefaultRouter


@csrf_exempt
def not_found(request, *args, **kwargs):
    """Any other path under /api/: a 404 in the API's error shape, not HTML."""
    return JsonResponse({"code": "not_found", "message": _("Not found."), "field_errors": {}}, status=404)


def api_urlpatterns(router: DefaultRouter, extra_v1: list) -> list:
    """/api/...: the router's resources and `extra_v1` views under v1/, the
    schema, the docs, and a JSON 404 for any other path."""
    from metroplan.api.changes import ChangeFeedViewSet

    core_v1 = [
        path("changes/", ChangeFeedViewSet.as_view({"get": "feed"}, basename="change"), name="api-changes"),
    ]
    return [
        path("v1/", include(core_v1)),
        path("v1/", include(extra_v1)),
        # Namespaced, so that the router's names (update-detail, ...) never shadow the pages'.
        path("v1/", include((router.urls, "api"))),
        # The schema reads no data: no transaction around it.
        path(
            "schema/",
            transaction.non_atomic_requests(SpectacularAPIView.as_view(permission_classes=[AllowAny])),
            name="api-schema",
        ),
        path(
            "docs/",
            # The split view serves its init script as a file (?script), so no inline script is needed.
            SpectacularSwaggerSplitView.as_view(
                url_name="api-schema", permission_classes=[AllowAny], template_name="api/swagger_ui.html"
            ),
            name="api-docs",
        ),
        re_path(r"^", not_found),  # any path, newlines included
    ]
