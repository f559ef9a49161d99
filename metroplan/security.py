"""Request security helpers shared by the whole site.

- `client_address(request)`: the real client address. Behind a TLS proxy every
  request comes from the proxy, so the address is read from `X-Forwarded-For`,
  but only when the peer is one of `TRUSTED_PROXIES`: anyone else could send
  that header and pick the address the lock-out and the rate limits count.
  django-axes, the API throttles and security log lines use it.
- `lockout_response`: django-axes' answer to a locked-out login, a page in the
  site's layout that says what to do.
- `safe_next(request, fallback)`: a POSTed or queried `next` only when it
  points at this site.
- `shorten_staff_sessions`: staff sessions last `STAFF_SESSION_AGE` seconds.
"""

import ipaddress
import logging
from functools import lru_cache

from django.conf import settings
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

logger = logging.getLogger(__name__)


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(proxy, strict=False) for proxy in proxies)


def _parse(address: str):
    try:
        return ipaddress.ip_address(address.strip().removeprefix("[").split("]")[0])
    except ValueError:
        return None


def is_trusted_proxy(address: str) -> bool:
    parsed = _parse(address)
    return parsed is not None and any(parsed in network for network in _networks(tuple(settings.TRUSTED_PROXIES)))


def client_address(request) -> str:
    """The address of the client that sent `request`.

    REMOTE_ADDR, unless it is a trusted proxy: then the right-most address of
    `X-Forwarded-For` that is not itself a trusted proxy (each proxy appends
    the address it received the request from, so entries left of the last
    untrusted one could have been written by the client)."""
    remote = request.META.get("REMOTE_ADDR", "") or ""
    if not is_trusted_proxy(remote):
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    for entry in reversed([part.strip() for part in forwarded.split(",") if part.strip()]):
        parsed = _parse(entry)
        if parsed is None:
            break  # a malformed entry: nothing left of it can be trusted
        if not is_trusted_proxy(entry):
            return str(parsed)
    return remote


def lockout_response(request, original_response=None, credentials=None):
    """The page django-axes shows instead of logging in (HTTP 429)."""
    from axes.helpers import get_client_username, get_cool_off

    cool_off = get_cool_off(request)
    minutes = max(1, int(cool_off.total_seconds() // 60)) if cool_off else None
    logger.warning(
        "Login locked out for username %r from %s",
        get_client_username(request, credentials) or "", client_address(request),
    )
    return render(request, "registration/locked_out.html", {"minutes": minutes}, status=429)


def safe_next(request, fallback: str) -> str:
    """`next` from the POST (or the query string) if it stays on this site, else `fallback`."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return fallback


def shorten_staff_sessions(sender, request, user, **kwargs):
    """On login: staff sessions end after STAFF_SESSION_AGE seconds (others keep SESSION_COOKIE_AGE)."""
    from metroplan.permissions import is_secretariat

    if is_secretariat(user) or user.is_staff or user.is_superuser:
        request.session.set_expiry(settings.STAFF_SESSION_AGE)
