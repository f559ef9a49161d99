from django.urls import path

from members import views

urlpatterns = [
    path("members/", views.member_list, name="member-list"),
    path("members/<slug:slug>/", views.member_detail, name="member-detail"),
]
