"""/healthz: database, cache, broker and the beat scheduler.

The public answer is only {"status": "ok"} or {"status": "error"} (200 or 503);
staff (signed in, or with an API token) and a monitor with HEALTHZ_TOKEN also
get each check's answer. The cache and broker checks run side by side
with a deadline (HEALTHZ_TIMEOUT, under a second), so that a Redis that hangs
makes the answer "error", never a slow one.

Each check returns "ok" or a short reason. The beat check reads the most recent
`last_run_at` of django-celery-beat's schedules: the stale-report recovery runs
every 5 minutes, so a beat that is alive has touched it within minutes (the
database scheduler writes `last_run_at` back every few minutes).
"""

import hmac
import logging
from concurrent.futures import ThreadPoolExecutor, wait
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connection, connections, transaction
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)

BEAT_LATE_AFTER = timedelta(minutes=15)
CRITICAL = ("database", "cache", "broker")


def check_database(timeout: float = 1.0) -> str:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET LOCAL statement_timeout = %s", [max(1, int(timeout * 1000))])
            cursor.execute("SELECT 1")
        return "ok"
    except Exception as exc:  # noqa: BLE001 - any failure is the answer
        return f"error: {exc}"


def check_cache() -> str:
    try:
        cache.set("healthz", "ok", 10)
        return "ok" if cache.get("healthz") == "ok" else "error: cache did not return what was stored"
    except Exception as exc:  # noqa: BLE001
        return f"error: {exc}"


def check_broker() -> str:
    from reporting.report_services import broker_available

    return "ok" if broker_available() else "error: the Celery broker does not answer"


def last_beat():
    """When beat last sent a scheduled task, or None."""
    from django_celery_beat.models import PeriodicTask

    try:
        return PeriodicTask.objects.exclude(last_run_at=None).order_by("-last_run_at").values_list(
            "last_run_at", flat=True
        ).first()
    except Exception:  # noqa: BLE001 - the database check reports the cause
        return None


def check_beat(now=None) -> str:
    last = last_beat()
    if last is None:
        return "unknown: no scheduled task has run yet"
    age = (now or timezone.now()) - last
    if age > BEAT_LATE_AFTER:
        return f"late: last run {last.isoformat(timespec='seconds')}"
    return "ok"


def _closing_connections(check):
    """`check` for a worker thread: Django opens a database connection per
    thread; close it after."""

    def run():
        try:
            return check()
        finally:
            connections.close_all()

    return run


def run_checks(timeout: float | None = None) -> tuple[bool, dict]:
    """(healthy, checks). Healthy means the critical checks are ok; the beat
    check is reported but does not make the web process unhealthy.

    The cache and the broker are asked in threads, side by side, and a check
    not done within `timeout` seconds is an error (Redis may hang rather than
    refuse). The database is asked in the request's own connection, with a
    statement timeout on PostgreSQL."""
    timeout = settings.HEALTHZ_TIMEOUT if timeout is None else timeout
    pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="healthz")
    futures = {
        "cache": pool.submit(_closing_connections(check_cache)),
        "broker": pool.submit(_closing_connections(check_broker)),
    }
    pool.shutdown(wait=False)  # a hung check ends on its own socket timeout, in the background
    checks = {"database": check_database(timeout)}
    wait(futures.values(), timeout=max(0.0, timeout - 0.05))
    for name, future in futures.items():
        if not future.done():
            checks[name] = f"error: no answer within {timeout:g} s"
            logger.warning("healthz: the %s check did not answer within %s s", name, timeout)
        elif future.exception() is not None:
            checks[name] = f"error: {future.exception()}"
        else:
            checks[name] = future.result()
    checks["beat"] = check_beat()
    last = last_beat()
    checks["beat_last_run"] = last.isoformat(timespec="seconds") if last else None
    healthy = all(checks[name] == "ok" for name in CRITICAL)
    return healthy, checks


def may_see_details(request) -> bool:
    """Staff, signed in or by API token, or a monitor that sends HEALTHZ_TOKEN
    (`Authorization: Bearer <HEALTHZ_TOKEN>`)."""
    from rest_framework import exceptions

    from members.authentication import ApiTokenAuthentication
    from metroplan.permissions import is_secretariat

    if is_secretariat(getattr(request, "user", None)):
        return True
    header = request.META.get("HTTP_AUTHORIZATION", "")
    secret = settings.HEALTHZ_TOKEN
    if secret and hmac.compare_digest(header.removeprefix("Bearer ").strip().encode(), secret.encode()):
        return True
    try:
        found = ApiTokenAuthentication().authenticate(request)
    except exceptions.APIException:
        return False
    return found is not None and is_secretariat(found[0])


@require_safe
@transaction.non_atomic_requests
def healthz(request):
    """ok / error for everyone (200 / 503); each check's answer for staff."""
    healthy, checks = run_checks()
    body = {"status": "ok" if healthy else "error"}
    if may_see_details(request):
        body["checks"] = checks
    response = JsonResponse(body, status=200 if healthy else 503)
    response["Cache-Control"] = "no-store"
    return response
