"""The checks behind /healthz: database, cache, broker and the beat scheduler.

Each returns "ok" or a short reason. The beat check reads the most recent
`last_run_at` of django-celery-beat's schedules: the stale-report recovery runs
every 5 minutes, so a beat that is alive has touched it within minutes (the
database scheduler writes `last_run_at` back every few minutes).
"""

from datetime import timedelta

from django.core.cache import cache
from django.db import connection
from django.utils import timezone

BEAT_LATE_AFTER = timedelta(minutes=15)
CRITICAL = ("database", "cache", "broker")


def check_database() -> str:
    try:
        with connection.cursor() as cursor:
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


def run_checks() -> tuple[bool, dict]:
    """(healthy, checks). Healthy means the critical checks are ok; the beat
    check is reported but does not make the web process unhealthy."""
    checks = {
        "database": check_database(),
        "cache": check_cache(),
        "broker": check_broker(),
        "beat": check_beat(),
    }
    last = last_beat()
    checks["beat_last_run"] = last.isoformat(timespec="seconds") if last else None
    healthy = all(checks[name] == "ok" for name in CRITICAL)
    return healthy, checks
