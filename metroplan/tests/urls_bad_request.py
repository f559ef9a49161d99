"""A URL configuration for the 400 page's test: the site's, plus a view that
raises SuspiciousOperation (which Django answers with handler400)."""

from django.core.exceptions import SuspiciousOperation
from django.urls import path

from metroplan.urls import handler400  # noqa: F401 - handler400 is read by Django
from metroplan.urls import urlpatterns as site_urlpatterns


def bad(request):
    raise SuspiciousOperation("unreadable")


urlpatterns = [path("bad/", bad), *site_urlpatterns]
