from django.urls import path

from reporting.api import views
from reporting.api.figures import FiguresView, FigureView


def register(router) -> None:
    router.register("periods", views.PeriodViewSet, basename="period")
    router.register("updates", views.UpdateViewSet, basename="update")
    router.register("reports", views.ReportViewSet, basename="report")


# Under /api/v1/, next to the router's resources.
urlpatterns = [
    path("figures/", FiguresView.as_view(), name="api-figures"),
    path("figures/<slug:name>/", FigureView.as_view(), name="api-figure"),
]
