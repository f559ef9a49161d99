from django.urls import path

from reporting import health, views_home
from reporting import views_dashboards as views

urlpatterns = [
    path("", views_home.home, name="home"),  # by role: a focal point's city, staff's desk, else the overview
    path("overview/", views.overview, name="overview"),
    path("healthz", health.healthz, name="healthz"),
    path("map-table/", views.overview_member_table, name="overview-member-table"),
    path("goals/<str:code>/", views.goal_detail, name="goal-detail"),
    path("goals/<str:code>/commentary/", views.goal_commentary, name="goal-commentary"),
    path("actions/<str:code>/", views.action_detail, name="action-detail"),
    path("actions/<str:code>/commentary/", views.action_commentary, name="action-commentary"),
    path("members/", views.member_list, name="member-list"),
    path("members/<slug:slug>/", views.member_detail, name="member-detail"),
]
