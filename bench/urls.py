"""The site's URLs plus the plain-DRF yardstick under /plain/ (bench.api only)."""

from django.urls import include, path

from bench.plain import EmptyView, router
from metroplan.urls import urlpatterns as site

urlpatterns = [path("plain/empty/", EmptyView.as_view()), path("plain/", include(router.urls)), *site]
