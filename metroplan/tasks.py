"""The core layer's Celery task: the periodic outbox relay."""

from celery import shared_task

from metroplan.outbox import outbox_relay


@shared_task(acks_late=True, ignore_result=True)
def relay_outbox() -> int:
    """Publish what waits in the outbox (beat runs this every 15 seconds)."""
    return outbox_relay()
