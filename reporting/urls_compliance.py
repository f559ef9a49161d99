from django.urls import path

from reporting import views_compliance

urlpatterns = [
    path("compliance/", views_compliance.compliance_heatmap, name="compliance"),
]
