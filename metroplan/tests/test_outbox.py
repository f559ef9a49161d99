"""The transactional outbox: written with the change, relayed after commit,
kept while the broker is down, run once however often it is published."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from metroplan import outbox
from metroplan.celery import app
from metroplan.models import OutboxMessage
from metroplan.outbox import outbox_enqueue, outbox_relay, outbox_task

pytestmark = pytest.mark.django_db

RUNS: list[str] = []


@app.task(name="metroplan.tests.record")
@outbox_task
def record(key: str) -> str:
    if key == "boom":
        raise OSError("mail server refused")
    RUNS.append(key)
    return key


@pytest.fixture(autouse=True)
def runs():
    RUNS.clear()
    yield RUNS
    RUNS.clear()


def test_nothing_is_published_before_commit_and_a_rollback_keeps_nothing(celery_eager,
                                                                        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        outbox_enqueue("metroplan.tests.record", key="a")
        assert RUNS == []
    for callback in callbacks:
        callback()
    assert RUNS == ["a"]
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox_enqueue("metroplan.tests.record", key="b")
        raise RuntimeError("the change failed")
    assert list(OutboxMessage.objects.values_list("kwargs__key", flat=True)) == ["a"]


def test_a_message_published_twice_runs_once(celery_eager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = outbox_enqueue("metroplan.tests.record", key="once")
    record.apply_async(kwargs={"key": "once", "outbox_id": message.pk})
    OutboxMessage.objects.filter(pk=message.pk).update(state="sent", sent_at=timezone.now() - timedelta(hours=1))
    OutboxMessage.objects.filter(pk=message.pk).update(state="done")
    outbox_relay()
    assert RUNS == ["once"]
    message.refresh_from_db()
    assert (message.state, message.attempts) == ("done", 1)


def test_broker_down_keeps_the_message_pending_and_the_relay_sends_it_when_back(
    celery_broker_down, django_capture_on_commit_callbacks, caplog
):
    with django_capture_on_commit_callbacks(execute=True):
        message = outbox_enqueue("metroplan.tests.record", key="later")
    message.refresh_from_db()
    assert message.state == "pending" and "stays pending" in caplog.text
    assert outbox_relay() == 0
    app.conf.task_always_eager = True  # the broker is back
    call_command("relay_outbox")
    call_command("relay_outbox")
    assert RUNS == ["later"]


def test_after_a_failed_publish_requests_skip_the_broker_for_a_while(
    celery_broker_down, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(outbox, "BACKOFF_SECONDS", 30)
    tries = []
    publish = outbox._publish
    monkeypatch.setattr(outbox, "_publish", lambda message: tries.append(message.pk) or publish(message))
    with django_capture_on_commit_callbacks(execute=True):
        first = outbox_enqueue("metroplan.tests.record", key="1")
        outbox_enqueue("metroplan.tests.record", key="2")
    assert tries == [first.pk]  # the second request did not wait on the broker again
    app.conf.task_always_eager = True
    assert outbox_relay() == 2  # the periodic relay always tries
    assert sorted(RUNS) == ["1", "2"]
    monkeypatch.setattr(outbox, "_broker_down_until", 0.0)


def test_a_failed_run_is_retried_and_gives_up_after_max_attempts(celery_eager, monkeypatch):
    monkeypatch.setattr(outbox, "MAX_ATTEMPTS", 2)
    message = OutboxMessage.objects.create(task="metroplan.tests.record", kwargs={"key": "boom"})
    with pytest.raises(OSError):
        record.run(key="boom", outbox_id=message.pk)
    message.refresh_from_db()
    assert (message.state, message.attempts) == ("sent", 1)
    assert message.last_error == "OSError: mail server refused"
    with pytest.raises(OSError):
        record.run(key="boom", outbox_id=message.pk)
    message.refresh_from_db()
    assert (message.state, message.attempts) == ("failed", 2)
    record.run(key="boom", outbox_id=message.pk)  # a failed message never runs again
    assert message.attempts == 2


def test_a_running_message_whose_worker_was_lost_is_published_again(celery_eager):
    lost = OutboxMessage.objects.create(
        task="metroplan.tests.record", kwargs={"key": "lost"}, state="running", attempts=1,
        claimed_at=timezone.now() - outbox.RUNNING_LOST_AFTER - timedelta(seconds=1),
    )
    OutboxMessage.objects.create(task="metroplan.tests.record", kwargs={"key": "live"}, state="running",
                                 attempts=1, claimed_at=timezone.now())
    assert outbox_relay() == 1
    assert RUNS == ["lost"]
    lost.refresh_from_db()
    assert (lost.state, lost.attempts) == ("done", 2)
