from django.urls import path

from reporting import views_open_data

urlpatterns = [
    path("open-data/", views_open_data.open_data, name="open-data"),
]
