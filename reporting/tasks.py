"""Celery tasks: they take ids and call a service, nothing else."""

from celery import shared_task

from reporting.notifications import send_reopening_notification, send_update_notification


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def notify_update(update_id: int, event: str) -> int:
    return send_update_notification(update_id=update_id, event=event)


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def notify_reopening(reopening_id: int, event: str) -> int:
    return send_reopening_notification(reopening_id=reopening_id, event=event)
