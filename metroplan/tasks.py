"""The core layer's Celery tasks: the periodic outbox relay and webhook deliveries."""

from celery import shared_task

from metroplan.outbox import outbox_relay, outbox_task


@shared_task(acks_late=True, ignore_result=True)
def relay_outbox() -> int:
    """Publish what waits in the outbox (beat runs this every 15 seconds)."""
    return outbox_relay()


@shared_task(acks_late=True, ignore_result=True)
@outbox_task
def deliver_webhook(*, delivery_id: int) -> str | None:
    """One attempt at one webhook delivery (metroplan.webhooks)."""
    from metroplan.webhooks import webhook_deliver

    return webhook_deliver(delivery_id=delivery_id)


@shared_task(acks_late=True, ignore_result=True)
def retry_webhooks() -> int:
    """Queue the webhook deliveries whose next attempt is due (beat runs this every minute)."""
    from metroplan.webhooks import webhooks_retry_due

    return webhooks_retry_due()
