"""Errors to Sentry, when SENTRY_DSN is set (settings.py calls `sentry_init`).

The web (Django), the worker (Celery) and error log lines (logging) report to
Sentry, each event tagged with the request id of metroplan/logging.py (the one
in the response header, on the error page and in every log line; in a task,
the id of the request that queued it), so that an event leads to its logs.

No personal data leaves: `send_default_pii=False`, and `scrub_event` removes
what could still carry some: the user (all but the id), cookies, the
authorization and cookie headers, request bodies, and any e-mail address
written anywhere in the event (an exception message, a log line, a SQL
breadcrumb).
"""

from __future__ import annotations

import re
from typing import Any

from metroplan.logging import current_request_id

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
EMAIL_REPLACEMENT = "[e-mail]"
SECRET_HEADERS = {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-csrftoken", "x-api-key"}


def _without_emails(value: Any) -> Any:
    if isinstance(value, str):
        return EMAIL.sub(EMAIL_REPLACEMENT, value)
    if isinstance(value, dict):
        return {key: _without_emails(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_without_emails(item) for item in value)
    return value


def scrub_event(event: dict, hint: dict | None = None) -> dict:
    """before_send (and before_send_transaction): the event without personal
    data, tagged with the request id."""
    request = event.get("request")
    if isinstance(request, dict):
        for key in ("cookies", "data", "env"):
            request.pop(key, None)
        headers = request.get("headers")
        if isinstance(headers, dict):
            request["headers"] = {name: value for name, value in headers.items()
                                  if name.lower() not in SECRET_HEADERS}
    user = event.get("user")
    if isinstance(user, dict):
        event["user"] = {"id": user["id"]} if user.get("id") else {}
    rid = current_request_id()
    if rid:
        tags = event.get("tags")
        if isinstance(tags, list):  # older events list their tags as pairs
            tags = dict(tags)
        event["tags"] = {**(tags or {}), "request_id": rid}
    return _without_emails(event)


def sentry_init(*, dsn: str, environment: str = "production", release: str | None = None,
                traces_sample_rate: float = 0.0, transport=None) -> None:
    import logging

    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration
    from sentry_sdk.integrations.logging import LoggingIntegration

    options = {}
    if transport is not None:
        options["transport"] = transport  # tests: events kept in memory
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release,
        integrations=[
            DjangoIntegration(),
            CeleryIntegration(),
            LoggingIntegration(level=logging.INFO, event_level=logging.ERROR),
        ],
        send_default_pii=False,
        max_request_body_size="never",
        before_send=scrub_event,
        before_send_transaction=scrub_event,
        traces_sample_rate=traces_sample_rate,
        **options,
    )
