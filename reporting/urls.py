from django.urls import path

from reporting import views

urlpatterns = [
    path("updates/", views.updates_home, name="updates"),
    path("updates/review/", views.review_queue, name="update-review-queue"),
    path("updates/review/approve/", views.review_bulk_approve, name="update-bulk-approve"),
    path("updates/spreadsheet/", views.spreadsheet_download, name="update-spreadsheet"),
    path("updates/spreadsheet/upload/", views.spreadsheet_upload, name="update-spreadsheet-upload"),
    path("updates/<int:pk>/", views.update_detail, name="update-detail"),
    path("updates/<int:pk>/history/", views.update_history, name="update-history"),
    path("updates/<int:pk>/approve/", views.update_approve, name="update-approve"),
    path("updates/<int:pk>/return/", views.update_return, name="update-return"),
    path("updates/evidence/<int:pk>/", views.evidence_download, name="evidence-download"),
    path("updates/evidence/<int:pk>/remove/", views.evidence_remove, name="evidence-remove"),
    path("updates/reopen/<slug:member_slug>/", views.reopening_request, name="reopening-request-any"),
    path("updates/reopen/<slug:member_slug>/<str:period_code>/", views.reopening_request, name="reopening-request"),
    path("updates/reopenings/<int:pk>/grant/", views.reopening_decide, {"decision": "grant"}, name="reopening-grant"),
    path(
        "updates/reopenings/<int:pk>/refuse/", views.reopening_decide, {"decision": "refuse"}, name="reopening-refuse"
    ),
    # Last: its three free segments would otherwise swallow the paths above.
    path(
        "updates/<slug:member_slug>/<str:period_code>/<str:action_code>/",
        views.update_edit,
        name="update-edit",
    ),
]
