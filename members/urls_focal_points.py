from django.urls import path

from members import views_focal_points as views

urlpatterns = [
    path("focal-points/", views.focal_point_list, name="focal-point-list"),
    path("focal-points/add/", views.focal_point_add_view, name="focal-point-add"),
]
