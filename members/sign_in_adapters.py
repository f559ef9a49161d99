"""metroplan's rules inside django-allauth's sign-in flows (settings:
ACCOUNT_ADAPTER, SOCIALACCOUNT_ADAPTER, MFA_ADAPTER).

- Nobody signs up on their own: staff add focal points, and approve each new
  single sign-on user (members.sign_in_services).
- A person a provider vouches for who is not yet linked to a user here never
  gets in: they see that their request waits for staff (a page of its own,
  `sign-in-waiting`), or why they are refused.
- Wrong passwords are django-axes' to count (per username and client address,
  metroplan.security); allauth's own counters keep guarding second-factor codes.
- When STAFF_LOCAL_PASSWORDS is off, staff cannot sign in (or re-authenticate)
  with a password.
- Changing one's second factor needs a recent sign-in (a few minutes old) or
  a re-authentication; someone with no password and no second factor yet
  re-authenticates by signing out and in again through their provider.
"""

import time

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.app_settings import REAUTHENTICATION_TIMEOUT
from allauth.core import context
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from members.sign_in_services import sign_in_request_open
from metroplan.permissions import may_sign_in_with_password, second_factor_required
from metroplan.security import client_address

WAITING_SESSION_KEY = "metroplan_sign_in_request"
QUIET_MESSAGES = {"account/messages/logged_in.txt", "account/messages/logged_out.txt"}


def signed_in_recently(request) -> bool:
    """The session's last sign-in step (a password, a provider, a code) is
    younger than ACCOUNT_REAUTHENTICATION_TIMEOUT."""
    from allauth.account.authentication import get_authentication_records

    records = get_authentication_records(request, request.user)
    return bool(records) and time.time() - records[-1]["at"] < REAUTHENTICATION_TIMEOUT


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "username_password_mismatch": _("Your username and password did not match. Please try again."),
    }

    def is_open_for_signup(self, request) -> bool:
        return False

    def pre_authenticate(self, request, **credentials) -> None:
        """No allauth counter on passwords: django-axes locks the username out
        from that client address (AXES_FAILURE_LIMIT)."""

    def get_client_ip(self, request) -> str:
        return client_address(request)

    def reauthenticate(self, user, password: str) -> bool:
        return may_sign_in_with_password(user) and super().reauthenticate(user, password)

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        if not super().is_reauthentication_required(app=app, **kwargs):
            return False
        request = context.request
        return not (request is not None and request.user.is_authenticated and signed_in_recently(request))

    def get_reauthentication_methods(self, user) -> list[dict]:
        methods = [
            method for method in super().get_reauthentication_methods(user)
            if method["id"] != "reauthenticate" or may_sign_in_with_password(user)
        ]
        if user.is_authenticated and not methods:
            # Single sign-on only, and no second factor yet: sign in again.
            methods = [{"id": "sign_in_again", "description": _("Sign out, then sign in again"),
                        "url": reverse("account_logout")}]
        return methods

    def add_message(self, request, level, message_template=None, message_context=None, extra_tags="",
                    message=None) -> None:
        if message_template in QUIET_MESSAGES:
            return  # the header says who is signed in
        super().add_message(request, level, message_template, message_context, extra_tags, message)


def _claims(sociallogin) -> dict:
    data = sociallogin.account.extra_data or {}
    return data.get("userinfo") or data.get("id_token") or {}


def _email_verified(sociallogin) -> bool | None:
    """What the provider said of the address: True, False, or None (it said nothing)."""
    if sociallogin.provider.id != "openid_connect":
        return None
    value = _claims(sociallogin).get("email_verified")
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return bool(value)


def refused_page(request, message: str):
    return render(request, "account/sign_in_refused.html", {"message": message}, status=403)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request, sociallogin) -> bool:
        return False

    def pre_social_login(self, request, sociallogin) -> None:
        if sociallogin.state.get("process") == "connect":
            raise ImmediateHttpResponse(refused_page(request, str(_(
                "Accounts are linked by the secretariat: sign out, then sign in with your organisation's account."
            ))))
        if sociallogin.is_existing:
            return  # approved before: signs in (allauth refuses an inactive user)
        user = sociallogin.user
        emails = [address.email for address in sociallogin.email_addresses]
        outcome = sign_in_request_open(
            provider=sociallogin.account.provider,
            uid=sociallogin.account.uid,
            email=(user.email if user is not None and user.email else (emails[0] if emails else "")),
            email_verified=_email_verified(sociallogin),
            name=_claims(sociallogin).get("name") or "",
            first_name=getattr(user, "first_name", "") or "",
            last_name=getattr(user, "last_name", "") or "",
            extra_data=sociallogin.account.extra_data,
            language=getattr(request, "LANGUAGE_CODE", ""),
        )
        if outcome.request is not None:
            request.session[WAITING_SESSION_KEY] = outcome.request.pk
            raise ImmediateHttpResponse(redirect("sign-in-waiting"))
        raise ImmediateHttpResponse(refused_page(request, outcome.refusal))


class MFAAdapter(DefaultMFAAdapter):
    def can_delete_authenticator(self, authenticator) -> bool:
        """Staff keep their authenticator app: they cannot sign in without one."""
        if authenticator.type == "totp" and second_factor_required(authenticator.user):
            return False
        return super().can_delete_authenticator(authenticator)
