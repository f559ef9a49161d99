"""The API's root: /api/v1/ (router), /api/schema/ and /api/docs/."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from metroplan.api.figures import FiguresView

router = DefaultRouter()
# Each app registers its viewsets in its api/urls.py through register(router).

urlpatterns = [
    path("v1/figures/", FiguresView.as_view(), name="api-figures"),
    path("v1/figures/<slug:name>/", FiguresView.as_view(), name="api-figure"),
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]
