from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from metroplan import views
from reporting import health

urlpatterns = [
    path("", views.overview, name="overview"),
    path("healthz", health.healthz, name="healthz"),
    path("map-table/", views.overview_member_table, name="overview-member-table"),
    path("", include("actions.urls")),
    path("plan/", include("actions.urls_plan")),
    path("", include("members.urls")),
    path("", include("members.urls_focal_points")),
    path("", include("reporting.urls")),
    path("", include("reporting.urls_reports")),
    path("", include("reporting.urls_compliance")),
    path("api/", include("metroplan.api.urls")),
    path("tokens/", include("members.urls_tokens")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# Browsers ask for /favicon.ico whatever the page says.
urlpatterns += [
    path("favicon.ico", RedirectView.as_view(url=settings.STATIC_URL + "favicon.svg", permanent=True)),
]

handler400 = "metroplan.error_views.bad_request"
