"""A real Celery worker builds a report end to end; beat schedules and the
health check."""

import os
import time
from datetime import timedelta

import pytest
from django.db import OperationalError
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from metroplan.celery import app as celery_app
from reporting import report_services
from reporting.models import Report
from reporting.tests.report_data import make_scenario


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_builds_a_report_end_to_end(cast, mailoutbox):
    if not os.environ.get("REDIS_URL"):
        pytest.skip("needs a real broker: set REDIS_URL (CI does) to run the worker against Redis")
    from celery.contrib.testing import tasks  # noqa: F401 - registers celery.ping, which start_worker expects
    from celery.contrib.testing.worker import start_worker

    scenario = make_scenario()
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        report, created = report_services.report_request(
            user=cast.staff, plan=scenario.plan, kind="period", period=scenario.period
        )
        assert created
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                report.refresh_from_db()
            except OperationalError:  # SQLite's shared in-memory test database: the worker thread is writing
                time.sleep(0.3)
                continue
            if report.state in (Report.State.DONE, Report.State.FAILED) and report.notified_at:
                break
            time.sleep(0.3)
    assert report.state == Report.State.DONE, report.failure_reason
    assert report.snapshot["plan_progress"]["percent"] == 55
    assert report.pdf and report.xlsx and report.csv
    assert report.notified_at is not None


@pytest.mark.django_db
def test_beat_schedules_are_in_the_database():
    celery_app.loader.import_default_modules()  # what a worker does at start: autodiscovery

    schedules = {task.name: task for task in PeriodicTask.objects.filter(enabled=True)}
    expected = {
        "reports: period close": "reporting.tasks.build_period_close_reports",
        "reports: monthly": "reporting.tasks.build_monthly_report",
        "reminders: due and overdue": "reporting.tasks.send_reminders",
        "reports: recover stale builds": "reporting.tasks.recover_stale_reports",
        "outbox: relay": "metroplan.tasks.relay_outbox",
    }
    for name, task in expected.items():
        assert schedules[name].task == task
        assert task in celery_app.tasks
    assert schedules["reports: monthly"].crontab.day_of_month == "1"
    assert schedules["reminders: due and overdue"].crontab.hour == "7"
    recovery = schedules["reports: recover stale builds"].interval
    assert (recovery.every, recovery.period) == (15, "seconds")  # a lost build restarts within a minute
    relay = schedules["outbox: relay"].interval
    assert (relay.every, relay.period) == (15, "seconds")


@pytest.mark.django_db
def test_healthz_reports_database_cache_broker_and_beat(client, cast):
    client.force_login(cast.staff)  # the public sees only ok / error
    body = client.get(reverse("healthz")).json()
    assert body["status"] == "ok"
    assert {k: body["checks"][k] for k in ("database", "cache", "broker")} == {
        "database": "ok", "cache": "ok", "broker": "ok",
    }
    assert body["checks"]["beat"].startswith("unknown")
    PeriodicTask.objects.filter(name="reports: recover stale builds").update(last_run_at=timezone.now())
    body = client.get(reverse("healthz")).json()
    assert body["checks"]["beat"] == "ok" and body["checks"]["beat_last_run"]
    PeriodicTask.objects.update(last_run_at=timezone.now() - timedelta(hours=2))
    assert client.get(reverse("healthz")).json()["checks"]["beat"].startswith("late")


@pytest.mark.django_db
def test_healthz_is_503_when_the_broker_is_down(client, cast):
    client.force_login(cast.staff)
    saved = celery_app.conf.broker_url
    celery_app.conf.broker_url = "redis://127.0.0.1:1/0"
    try:
        response = client.get(reverse("healthz"))
    finally:
        celery_app.conf.broker_url = saved
    assert response.status_code == 503
    assert response.json()["checks"]["broker"].startswith("error")
