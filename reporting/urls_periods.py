"""The plan's reporting periods, included at /plan/ next to the other plan pages."""

from django.urls import path

from reporting import views_periods as views

urlpatterns = [
    path("periods/", views.periods_view, name="plan-periods"),
    path("periods/new/", views.period_create_view, name="plan-period-create"),
    path("periods/<str:code>/edit/", views.period_edit_view, name="plan-period-edit"),
    path("periods/<str:code>/toggle/", views.period_toggle_view, name="plan-period-toggle"),
]
