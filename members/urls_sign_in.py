"""Signing in: django-allauth's pages that the site uses (and no others: no
self sign-up, no e-mail management, no linking of accounts by their owner),
Django's password pages (the invitation and "forgot your password" e-mails
link to them), the single sign-on providers' URLs, the waiting page, and the
staff page for single sign-on."""

from allauth.account import views as account_views
from allauth.socialaccount import views as social_views
from allauth.urls import build_provider_urlpatterns
from django.contrib.auth import views as auth_views
from django.urls import include, path

from members import views_sign_in as views

# Mounted at /accounts/.
account_urlpatterns = [
    # The site's names for the pages (LOGIN_URL, templates), and allauth's.
    path("login/", account_views.login, name="login"),
    path("login/", account_views.login, name="account_login"),
    path("logout/", account_views.logout, name="logout"),
    path("logout/", account_views.logout, name="account_logout"),
    path("inactive/", account_views.account_inactive, name="account_inactive"),
    path("reauthenticate/", account_views.reauthenticate, name="account_reauthenticate"),
    path("password_change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("password_change/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("password_reset/", auth_views.PasswordResetView.as_view(), name="password_reset"),
    path("password_reset/done/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("reset/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("2fa/", include("allauth.mfa.urls")),
    path("3rdparty/login/cancelled/", social_views.login_cancelled, name="socialaccount_login_cancelled"),
    path("3rdparty/login/error/", social_views.login_error, name="socialaccount_login_error"),
    path("sso/waiting/", views.sign_in_waiting, name="sign-in-waiting"),
    *build_provider_urlpatterns(),  # oidc/<id>/login/ (and callback/), saml/<id>/login/ (acs/, metadata/, …)
]

# Mounted at the site's root: staff's single sign-on page.
urlpatterns = [
    path("single-sign-on/", views.sign_in_settings, name="sign-in-settings"),
    path("single-sign-on/providers/<str:provider>/", views.sign_in_provider_edit, name="sign-in-provider"),
    path("single-sign-on/domains/", views.sign_in_domain_add_view, name="sign-in-domain-add"),
    path("single-sign-on/domains/<int:pk>/remove/", views.sign_in_domain_remove_view, name="sign-in-domain-remove"),
    path("single-sign-on/requests/<int:pk>/approve/", views.sign_in_request_decide, {"decision": "approve"},
         name="sign-in-request-approve"),
    path("single-sign-on/requests/<int:pk>/refuse/", views.sign_in_request_decide, {"decision": "refuse"},
         name="sign-in-request-refuse"),
]
