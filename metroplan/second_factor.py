"""The second factor (django-allauth's MFA: TOTP and recovery codes).

Who needs one is a rule of metroplan/permissions.py (`second_factor_required`:
secretariat staff and anyone who may open the admin). This module holds what
makes it hold everywhere at once:

- `SecondFactorMiddleware`: a signed-in session of such a user that has not
  passed a second factor reaches nothing but the sign-in pages and the second
  factor's own pages: pages redirect to set one up (no authenticator yet) or to
  enter a code; the API (with the session) answers 403 in its error shape. API
  tokens are not sessions: a request with an Authorization header is left to the
  API's authentication, unaffected.
- `second_factor_passed(request)`: whether this session passed one (allauth
  records each step of a sign-in in the session; a code entered at sign-in or
  later, or an authenticator just set up with a valid code, is such a step).
- `second_factor_seed`: give a user a known TOTP secret and recovery codes (the
  demo accounts; an operator's command), returning the codes.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from metroplan.permissions import second_factor_required

SECOND_FACTOR_METHOD = "mfa"

# What a session without its second factor may still open: signing in and out,
# the second factor's own pages (allauth names them mfa_*), the language switch.
OPEN_URL_NAMES = {
    "login", "account_login", "logout", "account_logout", "account_inactive", "account_reauthenticate",
    "set_language", "sign-in-waiting",
}


def second_factor_passed(request) -> bool:
    from allauth.account.authentication import get_authentication_records

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    return any(record.get("method") == SECOND_FACTOR_METHOD for record in get_authentication_records(request, user))


def second_factor_record(request, user, *, kind: str) -> None:
    """Note in the session that `user` passed a second factor of `kind`."""
    from allauth.account.internal.flows.login import record_authentication

    record_authentication(request, user, SECOND_FACTOR_METHOD, type=kind)


def has_authenticator(user) -> bool:
    from allauth.mfa.models import Authenticator
    from allauth.mfa.utils import is_mfa_enabled

    return is_mfa_enabled(user, [Authenticator.Type.TOTP])


def record_new_authenticator(sender, request, user, authenticator, **kwargs) -> None:
    """An authenticator app just set up was proven with a valid code: that is
    this session's second factor (allauth's `authenticator_added` signal)."""
    if request is not None and authenticator.type == "totp" and getattr(request, "user", None) == user:
        second_factor_record(request, user, kind="totp")


class SecondFactorMiddleware:
    """After AuthenticationMiddleware: see the module's docstring."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or "HTTP_AUTHORIZATION" in request.META:
            return None
        if not second_factor_required(user) or second_factor_passed(request):
            return None
        name = request.resolver_match.url_name if request.resolver_match else None
        if name in OPEN_URL_NAMES or (name or "").startswith("mfa_"):
            return None
        if request.path.startswith("/api/"):
            return JsonResponse({
                "code": "second_factor_required",
                "message": _("Staff sessions need a second factor: sign in with your authenticator app, "
                             "or use an API token."),
                "field_errors": {},
            }, status=403)
        if has_authenticator(user):
            target = "mfa_reauthenticate"
            messages.info(request, _("Enter a code from your authenticator app to continue."))
        else:
            target = "mfa_activate_totp"
            messages.info(request, _("Secretariat staff sign in with a second factor. Set up an authenticator "
                                     "app once to continue: scan the code with it, then type the code it shows."))
        response = redirect(target)
        if request.method == "GET":
            response["Location"] += "?" + urlencode({"next": request.get_full_path()})
        return response


def second_factor_seed(*, user, totp_secret: str, recovery_seed: str) -> list[str]:
    """Give `user` this TOTP secret (base32) and the recovery codes drawn from
    `recovery_seed`, replacing what they had; returns the codes, all unused."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.utils import encrypt

    Authenticator.objects.update_or_create(
        user=user, type=Authenticator.Type.TOTP, defaults={"data": {"secret": encrypt(totp_secret)}}
    )
    codes, _created = Authenticator.objects.update_or_create(
        user=user, type=Authenticator.Type.RECOVERY_CODES,
        defaults={"data": {"seed": encrypt(recovery_seed), "used_mask": 0}},
    )
    return RecoveryCodes(codes).generate_codes()


def totp_code(secret: str, *, at: float | None = None) -> str:
    """The code an authenticator app set up with `secret` shows at `at` (now)."""
    import time

    from allauth.mfa import app_settings
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    counter = int(at if at is not None else time.time()) // app_settings.TOTP_PERIOD
    return format_hotp_value(hotp_value(secret, counter))
