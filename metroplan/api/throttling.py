import logging

from redis.exceptions import RedisError
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from metroplan.security import client_address

logger = logging.getLogger(__name__)


class ClientAddressMixin:
    """The client is the real one (metroplan.security.client_address), never
    an address a client wrote into X-Forwarded-For itself."""

    def get_ident(self, request):
        return client_address(request)


class FailOpen:
    """A cache that does not answer (Redis stopped or frozen) lets the request
    through, with a log line: the limit protects the site; it must not take the
    site down with the cache. The cache's short timeouts (settings) bound the wait."""

    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except (RedisError, OSError) as exc:
            logger.warning("Throttle %r not applied: the cache does not answer (%s)", self.scope, exc)
            return True


class TokenRateThrottle(FailOpen, SimpleRateThrottle):
    """Per API token (or per signed-in user for the browser session)."""

    scope = "token"

    def get_cache_key(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return None
        token = getattr(request, "auth", None)
        ident = f"token-{token.pk}" if getattr(token, "pk", None) else f"user-{request.user.pk}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class AnonymousRateThrottle(FailOpen, ClientAddressMixin, SimpleRateThrottle):
    """Per client address, for requests without credentials."""

    scope = "anonymous"

    def get_cache_key(self, request, view):
        if request.user and request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class FailedTokenThrottle(ClientAddressMixin, SimpleRateThrottle):
    """Wrong API keys per client address: past the `failed_token` rate, every
    token request from that address is refused (429) until the window moves on,
    so that keys cannot be guessed at the API's speed. Only failures count."""

    scope = "failed_token"

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES[self.scope]  # read now, so that settings overrides apply

    def get_cache_key(self, request, view=None):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def _load(self, request) -> None:
        self.key = self.get_cache_key(request)
        self.history = self.cache.get(self.key, [])
        self.now = self.timer()
        while self.history and self.history[-1] <= self.now - self.duration:
            self.history.pop()

    def blocked(self, request) -> bool:
        """Whether this address has used up its failures (records nothing).
        A cache that does not answer blocks nobody (logged)."""
        try:
            self._load(request)
        except Exception as exc:  # noqa: BLE001 - any cache error: fail open
            logger.warning("API tokens: the cache does not answer (%s); wrong keys are not counted", exc)
            return False
        return len(self.history) >= self.num_requests

    def record_failure(self, request) -> None:
        try:
            self._load(request)
            self.history.insert(0, self.now)
            self.cache.set(self.key, self.history, self.duration)
        except Exception as exc:  # noqa: BLE001
            logger.warning("API tokens: the cache does not answer (%s); wrong keys are not counted", exc)
            return
        if len(self.history) == self.num_requests:
            logger.warning("API tokens: %s wrong keys from %s; refusing its token requests for a while",
                           self.num_requests, client_address(request))
