"""Tests' doors past the second factor (metroplan.second_factor).

- `pass_second_factor(session, user)`: note in a session that `user` entered
  a second factor, as the sign-in does after a right code.
- `client_passes_second_factor(client, user)`: the same for a test Client's
  session. The root conftest applies it after every `client.force_login(...)`:
  a forced login stands for a complete sign-in (password and second factor).
  Tests of the second factor itself sign in through the pages.
- `browser_passes_second_factor(context, user)`: the same for a Playwright
  browser context signed in through the login page.
(`metroplan.second_factor.totp_code(secret)` is the code an authenticator app shows.)
"""

import time

from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore

SESSION_COOKIE = settings.SESSION_COOKIE_NAME


def pass_second_factor(session, user) -> None:
    from allauth.account.internal.flows.login import (
        _AUTHENTICATION_METHODS_USER_SESSION_KEY,
        AUTHENTICATION_METHODS_SESSION_KEY,
    )
    from allauth.account.internal.userkit import user_id_to_str

    user_key = user_id_to_str(user)
    records = session.get(AUTHENTICATION_METHODS_SESSION_KEY) or []
    if session.get(_AUTHENTICATION_METHODS_USER_SESSION_KEY) != user_key:
        records = []
    records.append({"method": "mfa", "at": time.time(), "type": "totp"})
    session[AUTHENTICATION_METHODS_SESSION_KEY] = records
    session[_AUTHENTICATION_METHODS_USER_SESSION_KEY] = user_key
    session.save()


def client_passes_second_factor(client, user) -> None:
    pass_second_factor(client.session, user)


def browser_passes_second_factor(context, user) -> None:
    """`context`: a Playwright browser context (or a page of one) signed in as
    `user` (a user or a username) through the login page."""
    from django.contrib.auth import get_user_model

    context = getattr(context, "context", context)
    if isinstance(user, str):
        user = get_user_model().objects.get(username=user)
    key = next(cookie["value"] for cookie in context.cookies() if cookie["name"] == SESSION_COOKIE)
    pass_second_factor(SessionStore(session_key=key), user)

