"""Celery tasks of members: they take ids and call a service, nothing else."""

from celery import shared_task

from members.notifications import send_sign_in_request_notification
from metroplan.outbox import outbox_task


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
@outbox_task
def send_invitation(user_id: int) -> int:
    from members.invitations import invitation_send

    return invitation_send(user_id=user_id)


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
@outbox_task
def notify_sign_in_request(request_id: int, event: str) -> int:
    return send_sign_in_request_notification(request_id=request_id, event=event)
