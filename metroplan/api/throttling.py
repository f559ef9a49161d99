import logging

from redis.exceptions import RedisError
from rest_framework.throttling import SimpleRateThrottle

logger = logging.getLogger(__name__)


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


class AnonymousRateThrottle(FailOpen, SimpleRateThrottle):
    """Per client address, for requests without credentials."""

    scope = "anonymous"

    def get_cache_key(self, request, view):
        if request.user and request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
