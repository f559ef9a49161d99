from django.urls import path

from reporting.api import views
from reporting.api.figures import FiguresView, FigureView
from reporting.api.open_data import OpenDataViewSet


def register(router) -> None:
    router.register("periods", views.PeriodViewSet, basename="period")
    router.register("updates", views.UpdateViewSet, basename="update")
    router.register("reports", views.ReportViewSet, basename="report")
    router.register("commentary", views.CommentaryViewSet, basename="commentary")


# Under /api/v1/, next to the router's resources. File downloads are the
# viewsets' own actions, at paths without a trailing slash (they name a file).
urlpatterns = [
    path(
        "updates/<int:pk>/evidence/<int:evidence_id>/file",
        views.UpdateViewSet.as_view({"get": "evidence_file"}, basename="update", detail=True),
        name="api-evidence-file",
    ),
    path(
        "reports/<int:pk>/files/<str:format>",
        views.ReportViewSet.as_view({"get": "file"}, basename="report", detail=True),
        name="api-report-file",
    ),
    path("export/", OpenDataViewSet.as_view({"get": "package"}, basename="export"), name="api-export"),
    path("figures/", FiguresView.as_view(), name="api-figures"),
    path("figures/<slug:name>/", FigureView.as_view(), name="api-figure"),
]
