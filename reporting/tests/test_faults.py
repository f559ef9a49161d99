"""Fault runs as tests: Redis (cache and broker) stopped and frozen while focal
points save and submit and staff approve; a worker killed during a report
build; two staff deciding the same update at once.

Each test starts its own redis-server on a free port (metroplan.testing.servers)
and stops it; none touches the shared 127.0.0.1:6379. The tests with a worker in
another process, and the race between two database sessions, need PostgreSQL
(CI runs them there; on SQLite they are skipped and say so)."""

import threading
import time

import pytest
from django.conf import settings as django_settings
from django.db import close_old_connections, connection
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from metroplan import outbox
from metroplan.celery import app as celery_app
from metroplan.models import OutboxMessage
from metroplan.outbox import outbox_relay
from metroplan.testing.celery import use_broker
from metroplan.testing.servers import RedisServer, WorkerProcess
from reporting import report_services
from reporting.models import ProgressUpdate, Report
from reporting.tests.report_data import make_scenario
from reporting.tests.test_update_pages import edit_url, form_data

from .conftest import make_update

pytestmark = pytest.mark.fault

SLOW_REQUEST = 2.0  # seconds: no request may take longer while Redis is away
needs_postgresql = pytest.mark.skipif(
    django_settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="a worker in another process and a race between two sessions need PostgreSQL (DATABASE_URL)",
)


@pytest.fixture
def redis_server():
    server = RedisServer().start()
    yield server
    server.close()


@pytest.fixture
def on_own_redis(redis_server, settings, monkeypatch):
    """This process's cache and broker are the test's Redis, with production's
    timeouts, and requests skip the broker for 30 s after it failed them."""
    settings.CACHES = {"default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_server.url,
        "OPTIONS": django_settings.REDIS_CACHE_OPTIONS,
    }}
    saved = celery_app.conf.broker_transport_options, celery_app.conf.task_always_eager
    celery_app.conf.broker_transport_options = django_settings.REDIS_BROKER_TRANSPORT_OPTIONS
    celery_app.conf.task_always_eager = False
    use_broker(redis_server.url)
    monkeypatch.setattr(outbox, "BACKOFF_SECONDS", 30)
    yield redis_server
    monkeypatch.setattr(outbox, "_broker_down_until", 0.0)
    celery_app.conf.broker_transport_options, celery_app.conf.task_always_eager = saved
    use_broker()


class Timed:
    """Runs requests and keeps how long each took."""

    def __init__(self):
        self.took: list[tuple[str, float, int]] = []

    def __call__(self, label, call, *args, **kwargs):
        start = time.monotonic()
        response = call(*args, **kwargs)
        self.took.append((label, time.monotonic() - start, response.status_code))
        return response

    def slowest(self) -> float:
        return max(seconds for _, seconds, _ in self.took)


def _work_while_redis_is_away(cast, world, timed: Timed) -> ProgressUpdate:
    """A focal point saves and submits, staff approve, an integrator reads."""
    focal = Client()
    focal.force_login(cast.focal_a)
    assert timed("save", focal.post, edit_url(world), form_data(world)).status_code == 302
    assert timed("submit", focal.post, edit_url(world), form_data(world, version=1, intent="submit")).status_code == 302
    update = ProgressUpdate.objects.get()
    assert update.state == "submitted"
    staff = Client()
    staff.force_login(cast.staff)
    response = timed("approve", staff.post, reverse("update-approve", args=[update.pk]), {"version": update.version})
    assert response.status_code == 302
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {cast.read_key}")
    assert timed("api list (throttled)", api.get, "/api/v1/updates/").status_code == 200
    update.refresh_from_db()
    assert update.state == "approved"
    return update


def _deliver_with_a_worker(mailoutbox, expected: int) -> None:
    """A real worker consumes the test's Redis; the relay runs twice (beat and
    an operator) and one message is published once more by hand: still each
    e-mail goes out once."""
    from celery.contrib.testing import tasks  # noqa: F401 - registers celery.ping, which start_worker expects
    from celery.contrib.testing.worker import start_worker

    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        assert outbox_relay() == expected
        assert outbox_relay() == 0
        deadline = time.monotonic() + 30
        while OutboxMessage.objects.exclude(state="done").exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        outbox._publish(OutboxMessage.objects.first())  # a repeat of a message that already ran
        time.sleep(1)
    close_old_connections()


@pytest.mark.django_db(transaction=True)
def test_redis_stopped_work_goes_on_and_each_email_is_sent_once_it_is_back(cast, world, on_own_redis, mailoutbox):
    on_own_redis.stop()
    timed = Timed()
    _work_while_redis_is_away(cast, world, timed)
    assert all(status < 500 for _, _, status in timed.took), timed.took
    assert timed.slowest() < SLOW_REQUEST, timed.took
    assert list(OutboxMessage.objects.values_list("kwargs__event", "state")) == [
        ("submitted", "pending"), ("approved", "pending"),
    ]
    assert mailoutbox == []
    on_own_redis.start()
    _deliver_with_a_worker(mailoutbox, expected=2)
    assert sorted(m.subject.split(":")[0] for m in mailoutbox) == ["Update approved", "Update submitted"]
    assert set(OutboxMessage.objects.values_list("state", "attempts")) == {("done", 1)}


@pytest.mark.django_db(transaction=True)
def test_redis_frozen_no_request_hangs_or_fails_and_each_email_is_sent_once_it_thaws(
    cast, world, on_own_redis, mailoutbox
):
    on_own_redis.freeze()
    timed = Timed()
    try:
        _work_while_redis_is_away(cast, world, timed)
        timed("healthz", Client().get, reverse("healthz"))
    finally:
        on_own_redis.thaw()
    assert all(status < 500 or label == "healthz" for label, _, status in timed.took), timed.took
    assert timed.slowest() < SLOW_REQUEST, timed.took
    assert OutboxMessage.objects.filter(state="pending").count() == 2
    _deliver_with_a_worker(mailoutbox, expected=2)
    assert sorted(m.subject.split(":")[0] for m in mailoutbox) == ["Update approved", "Update submitted"]


SLOW_BUILD = """
import time
from reporting import rendering
_render_pdf = rendering.render_pdf
def _slow_render_pdf(*args, **kwargs):
    time.sleep(120)  # long enough to be killed in the middle
    return _render_pdf(*args, **kwargs)
rendering.render_pdf = _slow_render_pdf
"""


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_during_a_build_is_rebuilt_exactly_once_within_a_minute(cast, on_own_redis):
    scenario = make_scenario()
    doomed = WorkerProcess(broker_url=on_own_redis.url, code=SLOW_BUILD, log_name="doomed").start()
    spare = None
    try:
        report, _ = report_services.report_request(
            user=cast.staff, plan=scenario.plan, kind="period", period=scenario.period
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:  # the doomed worker claims the build and beats
            report.refresh_from_db()
            if report.state == Report.State.RUNNING and report.heartbeat_at and report.heartbeat_at > report.started_at:
                break
            time.sleep(0.5)
        assert report.state == Report.State.RUNNING, doomed.output()[-3000:]
        doomed.kill()
        killed_at = time.monotonic()
        spare = WorkerProcess(broker_url=on_own_redis.url, log_name="spare").start()
        # What beat does every 15 s: the stale-build recovery and the outbox relay.
        next_beat = killed_at
        while time.monotonic() - killed_at < 60:
            if time.monotonic() >= next_beat:
                report_services.reports_recover_stale()
                outbox_relay()
                next_beat += 15
            report.refresh_from_db()
            # Told once and the outbox row finished: stopping the worker before
            # its task returns would interrupt the run (SIGTERM reaches the pool's child).
            told = OutboxMessage.objects.filter(task="reporting.tasks.notify_report_ready", state="done").exists()
            if report.state == Report.State.DONE and report.notified_at and told:
                break
            time.sleep(0.5)
        took = time.monotonic() - killed_at
    finally:
        doomed.kill()
        if spare:
            spare.stop()
    assert report.state == Report.State.DONE, (report.state, report.failure_reason, spare.output()[-3000:])
    assert took < 60
    assert report.attempts == 2  # the killed build and the one rebuild
    assert report.pdf and report.snapshot["plan_progress"]["percent"] == 55
    ready = OutboxMessage.objects.get(task="reporting.tasks.notify_report_ready")
    assert (ready.state, ready.attempts) == ("done", 1)  # staff told once


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_staff_deciding_the_same_update_at_once_one_wins_cleanly(cast, world):
    from metroplan.testing import factories as f

    update = make_update(world, cast.member_a, state="submitted")
    other_staff = f.StaffFactory(username="staff-2")
    start = threading.Barrier(2)
    answers = {}

    def decide(user, url, data):
        client = Client()
        client.force_login(user)
        start.wait()
        try:
            answers[user.username] = client.post(url, data)
        finally:
            connection.close()

    version = update.version
    threads = [
        threading.Thread(target=decide, args=(cast.staff, reverse("update-approve", args=[update.pk]),
                                              {"version": version})),
        threading.Thread(target=decide, args=(other_staff, reverse("update-return", args=[update.pk]),
                                              {"version": version, "comment": "Add the budget figure."})),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    update.refresh_from_db()
    assert update.state in ("approved", "returned")
    assert update.version == version + 1  # one decision was written, not two
    winner = "staff" if update.state == "approved" else "staff-2"
    loser = "staff-2" if winner == "staff" else "staff"
    assert answers[winner].status_code == 302
    assert answers[loser].status_code in (302, 400)  # the page again, with why it was refused
    assert OutboxMessage.objects.filter(task="reporting.tasks.notify_update").count() == 1
    assert update.reviewed_by.username == winner
