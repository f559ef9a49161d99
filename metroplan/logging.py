"""Structured logs with a request id on every line, for the web and the worker.

- `RequestIdMiddleware` gives each request an id: the `X-Request-ID` a trusted
  proxy sent (settings.TRUSTED_PROXIES), or a new one. The id is kept in a
  context variable for as long as the request runs, returned in the response's
  `X-Request-ID` header, and shown on the error page (templates/500.html), so a
  user can quote it and an operator can find every line of that request.
- `RequestIdFilter` puts the current id on every log record (`request_id`);
  the formatters of settings.LOGGING print it (JSON with python-json-logger, or
  text; `LOG_FORMAT`).
- Celery: a task queued during a request carries the request's id in its
  message headers, and the worker's log lines for that task show it; a task
  queued by no request (beat, the command line) logs under its own task id.
  The worker logs through settings.LOGGING as the web does. Work written to
  the outbox keeps the id of the request that wrote it, whoever relays it.
- gunicorn: its own lines and its access lines are JSON too
  (`gunicorn_logconfig`, read by gunicorn.conf.py), each access line with the
  request's id.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import time
import uuid
from collections.abc import Mapping
from contextvars import ContextVar

from django.conf import settings
from pythonjsonlogger.json import JsonFormatter

HEADER = "X-Request-ID"
META_KEY = "HTTP_X_REQUEST_ID"
CELERY_HEADER = "request_id"
# An id taken from outside is printed in logs and pages: letters, digits and a few marks only.
ACCEPTED_ID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")
NO_REQUEST = "-"

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
logger = logging.getLogger("metroplan.request")


def current_request_id() -> str | None:
    return request_id.get()


def new_request_id() -> str:
    return uuid.uuid4().hex


def _trusted(address: str) -> bool:
    try:
        client = ipaddress.ip_address(address)
    except ValueError:
        return False
    for entry in getattr(settings, "TRUSTED_PROXIES", ()) or ():
        try:
            if client in ipaddress.ip_network(str(entry), strict=False):
                return True
        except ValueError:
            continue
    return False


def request_id_for(request) -> str:
    """The proxy's id when the request came through a trusted proxy and the id
    is well formed; otherwise a new one."""
    given = request.META.get(META_KEY, "")
    if given and ACCEPTED_ID.match(given) and _trusted(request.META.get("REMOTE_ADDR", "")):
        return given
    return new_request_id()


class RequestIdMiddleware:
    """Outermost middleware: sets the request id, logs one line per request
    (method, path, status, duration) and returns the id in a header."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        rid = request_id_for(request)
        request.request_id = rid
        # Kept until request_finished (end_of_request): Django logs a 4xx/5xx
        # answer after the middleware has returned it.
        request_id.set(rid)
        started = time.monotonic()
        response = self.get_response(request)
        response[HEADER] = rid
        logger.info(
            "%s %s %s", request.method, request.path, response.status_code,
            extra={
                "method": request.method, "path": request.path, "status": response.status_code,
                "duration_ms": round((time.monotonic() - started) * 1000, 1),
            },
        )
        return response


def end_of_request(**kwargs) -> None:
    """request_finished: lines logged after this belong to no request."""
    request_id.set(None)


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record (NO_REQUEST outside a request or task)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id.get() or NO_REQUEST
        return True


# --- Celery -------------------------------------------------------------------


def _on_publish(sender=None, headers=None, **kwargs) -> None:
    """before_task_publish: the task carries the id of the request queuing it."""
    rid = request_id.get()
    if rid and headers is not None:
        headers.setdefault(CELERY_HEADER, rid)


_task_tokens: dict[str, object] = {}


def _on_task_start(task_id=None, task=None, **kwargs) -> None:
    """task_prerun: the worker's lines for this task show the request's id (or the task's own)."""
    rid = getattr(task.request, CELERY_HEADER, None) if task is not None else None
    if not (isinstance(rid, str) and ACCEPTED_ID.match(rid)):
        rid = request_id.get() or task_id  # an eager task runs inside the request that queued it
    _task_tokens[task_id] = request_id.set(rid)


def _on_task_end(task_id=None, **kwargs) -> None:
    token = _task_tokens.pop(task_id, None)
    if token is not None:
        request_id.reset(token)


def _configure_worker_logging(**kwargs) -> None:
    """setup_logging: the worker logs through settings.LOGGING, not Celery's own format."""
    from logging.config import dictConfig

    dictConfig(settings.LOGGING)


def connect_celery() -> None:
    from celery import signals

    signals.before_task_publish.connect(_on_publish, dispatch_uid="metroplan-request-id-publish", weak=False)
    signals.task_prerun.connect(_on_task_start, dispatch_uid="metroplan-request-id-prerun", weak=False)
    signals.task_postrun.connect(_on_task_end, dispatch_uid="metroplan-request-id-postrun", weak=False)
    signals.setup_logging.connect(_configure_worker_logging, dispatch_uid="metroplan-worker-logging", weak=False)


def logging_config(*, log_format: str, level: str) -> dict:
    """settings.LOGGING: every line through one console handler, JSON or text,
    each with its request id."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "metroplan.logging.RequestIdFilter"}},
        "formatters": {
            "json": {
                "()": "pythonjsonlogger.json.JsonFormatter",
                "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
                "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            },
            "text": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"},
        },
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": log_format, "filters": ["request_id"]},
        },
        "root": {"handlers": ["console"], "level": level},
        # Django's own loggers would otherwise keep the handlers of its default
        # configuration and print a second, unstructured copy.
        "loggers": {
            "django": {"handlers": ["console"], "level": level, "propagate": False},
            "django.server": {"handlers": ["console"], "level": level, "propagate": False},
        },
    }


# --- gunicorn -----------------------------------------------------------------

# gunicorn's access-log atoms → the fields of a JSON access line.
ACCESS_FIELDS = {
    "remote_addr": "h", "method": "m", "path": "U", "query": "q", "protocol": "H", "status": "s",
    "bytes": "B", "referer": "f", "user_agent": "a", "request_id": "{x-request-id}o",
}


class GunicornAccessJsonFormatter(JsonFormatter):
    """gunicorn's access lines as JSON: one field per atom (ACCESS_FIELDS), the
    duration in milliseconds, and the request id the site put in the response's
    X-Request-ID header (the same as in the request's own lines)."""

    def add_fields(self, log_record, record, message_dict):
        super().add_fields(log_record, record, message_dict)
        atoms = record.args if isinstance(record.args, Mapping) else None
        if atoms is None:
            return
        for name, atom in ACCESS_FIELDS.items():
            value = atoms.get(atom, "-")
            if value not in ("-", "", None):
                log_record[name] = int(value) if name in ("status", "bytes") and str(value).isdigit() else value
        if str(atoms.get("D", "")).isdigit():
            log_record["duration_ms"] = round(int(atoms["D"]) / 1000, 1)


def gunicorn_logconfig(*, log_format: str, level: str = "INFO") -> dict:
    """gunicorn.conf.py's logconfig_dict: the server's own lines and its access
    lines on standard error, JSON (or text), like the site's."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "metroplan.logging.RequestIdFilter"}},
        "formatters": {
            "json": logging_config(log_format="json", level=level)["formatters"]["json"],
            "text": logging_config(log_format="text", level=level)["formatters"]["text"],
            "access_json": {
                "()": "metroplan.logging.GunicornAccessJsonFormatter",
                "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
                "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            },
        },
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": log_format, "filters": ["request_id"],
                        "stream": "ext://sys.stderr"},
            "access": {"class": "logging.StreamHandler", "filters": ["request_id"], "stream": "ext://sys.stderr",
                       "formatter": "access_json" if log_format == "json" else "text"},
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "gunicorn.error": {"handlers": ["console"], "level": level, "propagate": False},
            "gunicorn.access": {"handlers": ["access"], "level": level, "propagate": False},
        },
    }
