from django.urls import path

from members import views_tokens

urlpatterns = [
    path("", views_tokens.token_list, name="token-list"),
    path("<int:pk>/revoke/", views_tokens.token_revoke_view, name="token-revoke"),
]
