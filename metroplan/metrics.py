"""Prometheus metrics at `/metrics`, for the web and the worker.

- Requests, responses by status and latencies by view: django-prometheus'
  middlewares (settings.MIDDLEWARE), `django_http_*`.
- Database: every query through Django is counted and timed
  (`metroplan_db_queries_total`, `metroplan_db_query_duration_seconds`,
  `metroplan_db_query_errors_total`), by an execute wrapper installed on each
  new connection (`install_query_metrics`).
- Work done: report builds by how they ended
  (`metroplan_report_builds_total{state}`), reminders sent
  (`metroplan_reminders_sent_total{kind}`), e-mails sent and failed
  (`metroplan_emails_sent_total`, `metroplan_email_failures_total`,
  metroplan/mail.py). Counted where the work runs, web or worker.
- Read at each scrape: outbox rows waiting (`metroplan_outbox_messages{state}`),
  the Celery queue's length when the broker is Redis
  (`metroplan_celery_queue_length{queue}`), and what the apps register with
  `register_scrape_collector` (reporting: reports by state).

Several processes (gunicorn workers, Celery worker processes on the same
host): set PROMETHEUS_MULTIPROC_DIR to an empty directory shared by all of
them; prometheus_client then keeps each process's counters in a file there
and `/metrics` adds them up (gunicorn.conf.py clears the directory at start
and marks dead workers).

Access: `Authorization: Bearer <METRICS_TOKEN>`, or a client address (the
real one: metroplan.security.client_address, behind TRUSTED_PROXIES) in
METRICS_ALLOWED_NETWORKS. Anyone else gets 403; with neither set, nobody
reads them.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import time
from collections.abc import Callable, Iterable

from django.conf import settings
from django.db.models import Count
from django.http import HttpResponse
from django.views.decorators.http import require_GET
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric

from metroplan.security import client_address

logger = logging.getLogger(__name__)

DB_QUERIES = Counter("metroplan_db_queries_total", "Queries sent to the database.", ["alias"])
DB_QUERY_ERRORS = Counter("metroplan_db_query_errors_total", "Queries the database refused or failed.", ["alias"])
DB_QUERY_SECONDS = Histogram(
    "metroplan_db_query_duration_seconds", "Time from sending a query to its answer.", ["alias"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
REPORT_BUILDS = Counter(
    "metroplan_report_builds_total", "Report builds, by how they ended (done, failed, retry).", ["state"]
)
REMINDERS_SENT = Counter("metroplan_reminders_sent_total", "Reminders sent to members, by kind.", ["kind"])
EMAILS_SENT = Counter("metroplan_emails_sent_total", "E-mail messages handed to the mail backend.")
EMAIL_FAILURES = Counter("metroplan_email_failures_total", "Attempts to send e-mail that raised an error.")

_scrape_collectors: list[Callable[[], Iterable[Metric]]] = []


# --- database --------------------------------------------------------------------------------


def _observe_query(execute, sql, params, many, context):
    alias = context["connection"].alias
    started = time.perf_counter()
    try:
        return execute(sql, params, many, context)
    except Exception:
        DB_QUERY_ERRORS.labels(alias).inc()
        raise
    finally:
        DB_QUERIES.labels(alias).inc()
        DB_QUERY_SECONDS.labels(alias).observe(time.perf_counter() - started)


def install_query_metrics(sender=None, connection=None, **kwargs) -> None:
    """connection_created: count and time this connection's queries (once per
    connection object: it is created again after each reconnect)."""
    if connection is not None and _observe_query not in connection.execute_wrappers:
        connection.execute_wrappers.append(_observe_query)


# --- read at each scrape ---------------------------------------------------------------------


def register_scrape_collector(collect: Callable[[], Iterable[Metric]]) -> None:
    """An app's metrics read at each scrape (from its tables), e.g. reports by
    state; `collect()` yields prometheus_client metric families."""
    if collect not in _scrape_collectors:
        _scrape_collectors.append(collect)


def _outbox_metrics() -> Iterable[Metric]:
    from metroplan.models import OutboxMessage

    State = OutboxMessage.State
    waiting = GaugeMetricFamily(
        "metroplan_outbox_messages",
        "Outbox rows not yet done: pending (the broker has not taken them), sent (waiting for a worker), "
        "running, and failed for good.",
        labels=["state"],
    )
    counts = dict(
        OutboxMessage.objects.filter(state__in=[State.PENDING, State.SENT, State.RUNNING, State.FAILED])
        .order_by().values_list("state").annotate(n=Count("pk"))
    )
    for state in (State.PENDING, State.SENT, State.RUNNING, State.FAILED):
        waiting.add_metric([state], counts.get(state, 0))
    yield waiting


def _celery_queue_metrics() -> Iterable[Metric]:
    """The length of each Celery queue, when the broker is Redis (a list per queue)."""
    broker = settings.CELERY_BROKER_URL or ""
    if not broker.startswith(("redis://", "rediss://")):
        return
    import redis

    queues = [getattr(settings, "CELERY_TASK_DEFAULT_QUEUE", "celery")]
    family = GaugeMetricFamily("metroplan_celery_queue_length", "Tasks waiting in the broker's queue.",
                               labels=["queue"])
    client = redis.Redis.from_url(broker, socket_connect_timeout=settings.REDIS_TIMEOUT,
                                  socket_timeout=settings.REDIS_TIMEOUT)
    try:
        for queue in queues:
            family.add_metric([queue], client.llen(queue))
    finally:
        client.close()
    yield family


class _ScrapeCollector:
    """What is read from the database and the broker at each scrape. A source
    that fails (Redis away) is left out of this scrape, with a log line; the
    rest is still answered."""

    def collect(self):
        for source in (_outbox_metrics, _celery_queue_metrics, *_scrape_collectors):
            try:
                yield from list(source())
            except Exception as exc:  # noqa: BLE001 - a monitoring read must not fail the scrape
                logger.warning("Metrics source %s left out of this scrape: %s", source.__name__, exc)


class _ThisProcess:
    """The default registry's metrics, when each process answers for itself."""

    def collect(self):
        return REGISTRY.collect()


def metrics_text() -> bytes:
    """The exposition: every process's counters (multiprocess mode) or this
    process's, and the values read now."""
    registry = CollectorRegistry(auto_describe=False)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_ThisProcess())
    registry.register(_ScrapeCollector())
    return generate_latest(registry)


# --- access and view -------------------------------------------------------------------------


def metrics_access(request) -> bool:
    """Whether `request` may read the metrics: the bearer token, or an allowed
    client address; when neither is configured, nobody."""
    token = settings.METRICS_TOKEN
    networks = settings.METRICS_ALLOWED_NETWORKS
    if token:
        given = request.headers.get("Authorization", "")
        scheme, _, value = given.partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(value.strip().encode(), token.encode()):
            return True
    if networks:
        try:
            address = ipaddress.ip_address(client_address(request))
        except ValueError:
            return False
        return any(address in ipaddress.ip_network(network, strict=False) for network in networks)
    return False


@require_GET
def metrics_view(request):
    if not metrics_access(request):
        return HttpResponse("Forbidden: send the metrics token, or scrape from an allowed network.\n",
                            status=403, content_type="text/plain; charset=utf-8")
    return HttpResponse(metrics_text(), content_type=CONTENT_TYPE_LATEST)
