from django.urls import path

from reporting import views_reports

urlpatterns = [
    path("reports/", views_reports.report_list, name="report-list"),
    path("reports/new/", views_reports.report_new, name="report-new"),
    path("reports/<int:pk>/", views_reports.report_detail, name="report-detail"),
    path("reports/<int:pk>/correct/", views_reports.report_correct, name="report-correct"),
    path("reports/<int:pk>/<str:fmt>/", views_reports.report_download, name="report-download"),
]
