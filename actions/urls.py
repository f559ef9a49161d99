from django.urls import path

from actions import views

urlpatterns = [
    path("goals/<str:code>/", views.goal_detail, name="goal-detail"),
    path("actions/<str:code>/", views.action_detail, name="action-detail"),
]
