from django.urls import path

from members import views_focal_points as views

urlpatterns = [
    path("focal-points/", views.focal_point_list, name="focal-point-list"),
    path("focal-points/add/", views.focal_point_add_view, name="focal-point-add"),
    path("focal-points/<int:pk>/", views.focal_point_edit_view, name="focal-point-edit"),
    path("focal-points/<int:pk>/deactivate/", views.focal_point_deactivate_view, name="focal-point-deactivate"),
    path("focal-points/<int:pk>/reactivate/", views.focal_point_reactivate_view, name="focal-point-reactivate"),
    path("focal-points/<int:pk>/invite/", views.focal_point_invite_view, name="focal-point-invite"),
]
