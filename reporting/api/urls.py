from reporting.api import views


def register(router) -> None:
    router.register("periods", views.PeriodViewSet, basename="period")
    router.register("updates", views.UpdateViewSet, basename="update")
    router.register("reports", views.ReportViewSet, basename="report")
