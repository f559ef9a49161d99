"""API token authentication: `Authorization: Token <key>` or `Bearer <key>`."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from members.models import ApiToken
from metroplan.api.throttling import FailedTokenThrottle

# last_used_at is written at most this often per token, to keep reads cheap.
LAST_USED_RESOLUTION_SECONDS = 60


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keywords = ("token", "bearer")

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode(errors="replace").lower() not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid token header: give exactly one key."))
        throttle = FailedTokenThrottle()
        if throttle.blocked(request):
            raise exceptions.Throttled(wait=throttle.wait())
        try:
            key = header[1].decode()
        except UnicodeError as exc:
            throttle.record_failure(request)
            raise exceptions.AuthenticationFailed(_("Invalid token header.")) from exc
        token = (
            ApiToken.objects.select_related("user")
            .filter(key_hash=ApiToken.hash_key(key))
            .first()
        )
        if token is None or not token.is_active or not token.user.is_active:
            throttle.record_failure(request)
            raise exceptions.AuthenticationFailed(_("Invalid, expired or revoked token."))
        now = timezone.now()
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > LAST_USED_RESOLUTION_SECONDS:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
        return token.user, token

    def authenticate_header(self, request):
        return 'Token realm="api"'
