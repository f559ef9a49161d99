from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from rest_framework.routers import DefaultRouter

from actions.api.urls import register as register_actions
from members.api.urls import register as register_members
from members.urls_sign_in import account_urlpatterns
from members.views_language import set_language
from metroplan.api.urls import api_urlpatterns
from metroplan.metrics import metrics_view
from reporting.api.urls import register as register_reporting
from reporting.api.urls import urlpatterns as reporting_api_views

# The one place that composes the apps: the API's resources, then the pages.
router = DefaultRouter()
register_actions(router)
register_members(router)
register_reporting(router)

# A database that cannot be reached is a 503 saying nothing was saved, not a bare 500.
handler500 = "metroplan.error_pages.server_error"

# The admin has no sign-in of its own: the site's (with its lock-out, single
# sign-on and second factor) is the only door.
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("", include("reporting.urls_dashboards")),
    path("plan/", include("actions.urls_plan")),
    path("plan/", include("reporting.urls_periods")),
    path("", include("members.urls_focal_points")),
    path("", include("reporting.urls")),
    path("", include("reporting.urls_reports")),
    path("", include("reporting.urls_compliance")),
    path("", include("reporting.urls_search")),
    path("", include("reporting.urls_reminders")),
    path("", include("reporting.urls_open_data")),
    path("api/", include(api_urlpatterns(router, reporting_api_views))),
    path("tokens/", include("members.urls_tokens")),
    path("accounts/", include(account_urlpatterns)),
    path("", include("members.urls_sign_in")),
    path("i18n/setlang/", set_language, name="set_language"),  # stores a signed-in user's choice
    path("admin/", admin.site.urls),
    path("metrics", metrics_view, name="metrics"),  # Prometheus (token or allowed network)
]

# No /media/ route, in DEBUG or not: uploaded files are private, served only by
# views that apply the visibility rule (metroplan.files.serve_file).

# Browsers ask for /favicon.ico whatever the page says.
urlpatterns += [
    path("favicon.ico", RedirectView.as_view(url=settings.STATIC_URL + "favicon.svg", permanent=True)),
]

handler400 = "metroplan.error_pages.bad_request"
