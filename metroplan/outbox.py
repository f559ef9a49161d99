"""The transactional outbox: work for the task queue, written with the change
that causes it.

`outbox_enqueue("reporting.tasks.notify_update", update_id=..., event=...)`
writes an OutboxMessage row in the caller's transaction. If the transaction
rolls back, the work goes with it; once it commits, the row is relayed to the
broker at once (`outbox_relay`, after commit). If the broker does not answer,
the row stays pending, the page that caused it answers as usual, and the
periodic relay (beat, "outbox: relay", or `manage.py relay_outbox`) publishes
it when the broker is back. Nothing is lost.

Publishing may repeat (a relay that stops between publishing and marking the
row, two relays at once, a broker that lost its queue): the task claims its row
with a conditional update before it runs (`@outbox_task`), so the work runs
once. A run that raises gives the row back for the task's retry; a run whose
worker died holds the row until RUNNING_LOST_AFTER, then it may be claimed again.

Tasks are named by string: this module is the core layer and imports no app.
A message carries ids, never rendered text: an e-mail task renders at send
time, in each recipient's stored language (members.languages).
"""

import functools
import logging
import time
from collections.abc import Callable, Iterable
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from metroplan.logging import CELERY_HEADER, current_request_id
from metroplan.models import OutboxMessage

logger = logging.getLogger(__name__)

State = OutboxMessage.State

# A published message that no worker claimed for this long was lost by the
# broker (restarted without persistence): publish it again.
RESEND_AFTER = timedelta(seconds=getattr(settings, "OUTBOX_RESEND_AFTER_SECONDS", 10 * 60))
# Longer than any task's hard time limit: a row "running" for longer lost its worker.
RUNNING_LOST_AFTER = timedelta(seconds=getattr(settings, "OUTBOX_RUNNING_LOST_AFTER_SECONDS", 15 * 60))
MAX_ATTEMPTS = getattr(settings, "OUTBOX_MAX_ATTEMPTS", 10)
# After a failed publish, the relays that run after a commit (in a request) skip
# the broker for this long, so that a broker that is down costs one request its
# connection timeout, not every request. The periodic relay always tries.
BACKOFF_SECONDS = getattr(settings, "OUTBOX_BACKOFF_SECONDS", 30)

_broker_down_until = 0.0


def outbox_enqueue(task: str, **kwargs) -> OutboxMessage:
    """Write the message in the current transaction and relay it after commit.

    `kwargs` must be JSON (ids, not model instances). Called outside a
    transaction (autocommit), the row is written and relayed at once.
    """
    message = OutboxMessage.objects.create(task=task, kwargs=kwargs, request_id=current_request_id() or "")
    transaction.on_commit(lambda: _relay_after_commit(message.pk), robust=True)
    return message


def _relay_after_commit(message_id: int) -> None:
    if time.monotonic() < _broker_down_until:
        logger.info("Outbox message %s waits for the broker (it did not answer a moment ago)", message_id)
        return
    outbox_relay(ids=[message_id])


def _publish(message: OutboxMessage) -> None:
    from metroplan.celery import app

    kwargs = {**message.kwargs, "outbox_id": message.pk}
    # The task logs under the id of the request that wrote the row, even when the
    # periodic relay (another task, with its own id) publishes it.
    headers = {CELERY_HEADER: message.request_id} if message.request_id else {}
    if message.task not in app.tasks:
        app.autodiscover_tasks(force=True)  # a web process imports the apps' tasks modules only when asked
    task = app.tasks.get(message.task)
    if task is not None:
        task.apply_async(kwargs=kwargs, headers=headers)
    else:  # not registered in this process (a worker may know it): publish by name
        app.send_task(message.task, kwargs=kwargs, headers=headers)


def _relayable(now) -> Q:
    return (
        Q(state=State.PENDING)
        | Q(state=State.SENT, sent_at__lt=now - RESEND_AFTER)
        | Q(state=State.RUNNING, claimed_at__lt=now - RUNNING_LOST_AFTER)
    )


def outbox_relay(*, ids: Iterable[int] | None = None, limit: int | None = None) -> int:
    """Publish the pending messages (or those of `ids`), oldest first; returns
    how many were published. Stops at the first broker error and leaves the
    rest pending: never raises for a broker that is down.

    Safe to run twice at once: a message may be published twice, and its
    task's claim makes it run once.
    """
    global _broker_down_until
    now = timezone.now()
    rows = OutboxMessage.objects.filter(_relayable(now))
    if ids is not None:
        rows = rows.filter(pk__in=list(ids))
    published = 0
    rows = rows.order_by("pk")
    for message in (rows[:limit] if limit else rows.iterator()):
        try:
            _publish(message)
        except Exception as exc:  # noqa: BLE001 - kombu/redis raise many kinds of connection errors
            _broker_down_until = time.monotonic() + BACKOFF_SECONDS
            logger.warning("Broker unavailable; outbox message %s (%s) stays pending: %s", message.pk,
                           message.task, exc)
            break
        published += 1
        # A worker may have claimed (or finished) it already: only a row still
        # waiting is marked sent. A lost running row goes back to sent.
        OutboxMessage.objects.filter(pk=message.pk, state=message.state, claimed_at=message.claimed_at).update(
            state=State.SENT, sent_at=timezone.now()
        )
    else:
        _broker_down_until = 0.0
    if published:
        logger.info("Relayed %s outbox message(s)", published)
    return published


def outbox_claim(message_id: int) -> bool:
    """Whether this run may do the work: the row moves to running only from
    pending or sent (or from running when its worker was lost)."""
    now = timezone.now()
    claimable = Q(state__in=[State.PENDING, State.SENT]) | Q(
        state=State.RUNNING, claimed_at__lt=now - RUNNING_LOST_AFTER
    )
    return bool(
        OutboxMessage.objects.filter(claimable, pk=message_id).update(
            state=State.RUNNING, claimed_at=now, attempts=F("attempts") + 1
        )
    )


def outbox_done(message_id: int) -> None:
    OutboxMessage.objects.filter(pk=message_id, state=State.RUNNING).update(
        state=State.DONE, done_at=timezone.now(), last_error=""
    )


def outbox_release(message_id: int, error: BaseException) -> None:
    """The run failed: back to sent for the task's retry (and the periodic
    relay's resend), or failed for good after MAX_ATTEMPTS."""
    reason = f"{type(error).__name__}: {error}"[:2000]
    running = OutboxMessage.objects.filter(pk=message_id, state=State.RUNNING)
    running.filter(attempts__gte=MAX_ATTEMPTS).update(state=State.FAILED, done_at=timezone.now(),
                                                      last_error=reason)
    running.update(state=State.SENT, last_error=reason)


def outbox_task(func: Callable) -> Callable:
    """Make a Celery task run once per outbox message.

    Put it under `@shared_task`. A call that carries `outbox_id` (the relay
    adds it) claims the row first and does nothing if another run has it or
    had it; a call without one (beat, a shell) just runs.
    """

    @functools.wraps(func)
    def run(*args, outbox_id: int | None = None, **kwargs):
        if outbox_id is None:
            return func(*args, **kwargs)
        if not outbox_claim(outbox_id):
            logger.info("Outbox message %s already ran or is running; skipped", outbox_id)
            return None
        try:
            result = func(*args, **kwargs)
        except BaseException as exc:
            outbox_release(outbox_id, exc)
            raise
        outbox_done(outbox_id)
        return result

    return run


def outbox_pending_count() -> int:
    return OutboxMessage.objects.filter(state=State.PENDING).count()
