"""Celery tasks: they take ids and call a service, nothing else."""

from celery import shared_task

from reporting.notifications import send_reopening_notification, send_update_notification


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def notify_update(update_id: int, event: str) -> int:
    return send_update_notification(update_id=update_id, event=event)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def build_report(report_id: int) -> None:
    """Build one report (filled in by the reports work: snapshot and rendering)."""
    from reporting import report_services

    builder = getattr(report_services, "report_build", None)
    if builder is not None:
        builder(report_id=report_id)


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def notify_reopening(reopening_id: int, event: str) -> int:
    return send_reopening_notification(reopening_id=reopening_id, event=event)
