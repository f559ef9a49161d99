"""The secretariat's plan pages, included at /plan/ (see actions/views_plan.py)."""

from django.urls import path

from actions import views_plan as views

urlpatterns = [
    path("", views.plan_outline_view, name="plan-outline"),
    path("export.xlsx", views.export_xlsx_view, name="plan-export-xlsx"),
    path("export.csv", views.export_csv_view, name="plan-export-csv"),
    path("import/", views.import_view, name="plan-import"),
    path("import/apply/", views.import_apply_view, name="plan-import-apply"),
    path("carry-over/", views.carry_over_view, name="plan-carry-over"),
    path("goals/new/", views.goal_create_view, name="plan-goal-create"),
    path("goals/<str:code>/edit/", views.goal_edit_view, name="plan-goal-edit"),
    path("goals/<str:code>/retire/", views.goal_retire_view, name="plan-goal-retire"),
    path("goals/<str:code>/move/", views.goal_move_view, name="plan-goal-move"),
    path("goals/<str:goal_code>/actions/new/", views.action_create_view, name="plan-action-create"),
    path("actions/<str:code>/", views.action_page_view, name="plan-action"),
    path("actions/<str:code>/edit/", views.action_edit_view, name="plan-action-edit"),
    path("actions/<str:code>/retire/", views.action_retire_view, name="plan-action-retire"),
    path("actions/<str:code>/move/", views.action_move_view, name="plan-action-move"),
    path("actions/<str:code>/status/", views.action_status_view, name="plan-action-status"),
    path("actions/<str:code>/participants/", views.action_participant_view, name="plan-action-participant"),
    path("actions/<str:code>/history/", views.action_history_view, name="plan-action-history"),
    path("actions/<str:code>/restore/<int:history_id>/", views.action_restore_view, name="plan-action-restore"),
    path("actions/<str:code>/indicators/new/", views.indicator_create_view, name="plan-indicator-create"),
    path(
        "actions/<str:code>/indicators/<str:indicator_code>/edit/",
        views.indicator_edit_view, name="plan-indicator-edit",
    ),
    path(
        "actions/<str:code>/indicators/<str:indicator_code>/retire/",
        views.indicator_retire_view, name="plan-indicator-retire",
    ),
    path(
        "actions/<str:code>/indicators/<str:indicator_code>/move/",
        views.indicator_move_view, name="plan-indicator-move",
    ),
]
