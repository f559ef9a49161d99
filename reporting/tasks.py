"""Celery tasks: they take ids and call a service, nothing else.

Every task is safe to run twice (services claim their rows with conditional
updates) and is acknowledged late: a worker that dies mid-task leaves the
message to be delivered again, and the stale-report recovery covers the rest.
Tasks queued by a change come from the outbox (metroplan.outbox): `@outbox_task`
claims the message's row first, so a message relayed twice runs once.
"""

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from celery.signals import worker_process_init

from metroplan.outbox import outbox_task
from reporting.notifications import send_reopening_notification, send_update_notification

logger = logging.getLogger(__name__)

BUILD_MAX_RETRIES = 3


@worker_process_init.connect
def load_report_renderers(**_kwargs) -> None:
    """A worker process loads the report renderers when it starts (~0.7 s),
    not during the first report it builds."""
    from reporting.rendering import load_renderers

    try:
        load_renderers()
    except Exception:  # noqa: BLE001 - a build loads them again, and says what is wrong
        logger.warning("Could not load the report renderers at start", exc_info=True)


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
@outbox_task
def notify_update(update_id: int, event: str) -> int:
    return send_update_notification(update_id=update_id, event=event)


def _backoff(retries: int) -> int:
    """30 s, 60 s, 120 s: well inside the recovery's "queued too long" window."""
    return min(30 * 2**retries, 300)


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=BUILD_MAX_RETRIES,
             soft_time_limit=8 * 60, time_limit=10 * 60)
@outbox_task
def build_report(self, report_id: int) -> None:
    """Build one report; transient errors are retried with backoff."""
    from reporting import report_services

    may_retry = self.request.retries < self.max_retries
    try:
        report_services.report_build(report_id=report_id, may_retry=may_retry)
    except report_services.TRANSIENT_ERRORS as exc:
        if not may_retry:
            raise
        raise self.retry(exc=exc, countdown=_backoff(self.request.retries)) from exc
    except SoftTimeLimitExceeded:
        logger.error("Report %s took too long to build", report_id)
        raise


@shared_task(acks_late=True)
def recover_stale_reports() -> list[int]:
    from reporting.report_services import reports_recover_stale

    return reports_recover_stale()


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
@outbox_task
def notify_report_ready(report_id: int) -> int:
    from reporting.report_services import report_notify_ready

    return report_notify_ready(report_id=report_id)


@shared_task(acks_late=True)
def build_period_close_reports() -> list[int]:
    from reporting.report_services import period_close_reports_request

    return [report.pk for report in period_close_reports_request()]


@shared_task(acks_late=True)
def build_monthly_report() -> int | None:
    from reporting.report_services import monthly_report_request

    report = monthly_report_request()
    return report.pk if report else None


@shared_task(acks_late=True)
def send_reminders() -> dict:
    """Daily (beat): queue the reminders and digests due by the schedule."""
    from reporting.reminders import reminders_plan

    result = reminders_plan()
    return {"reminders": result.reminders, "digests": result.digests}


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
@outbox_task
def send_reminder(reminder_id: int) -> int:
    from reporting.reminders import reminder_send

    return reminder_send(reminder_id=reminder_id)


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
@outbox_task
def send_digest(digest_id: int) -> int:
    from reporting.reminders import digest_send

    return digest_send(digest_id=digest_id)


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
@outbox_task
def notify_reopening(reopening_id: int, event: str) -> int:
    return send_reopening_notification(reopening_id=reopening_id, event=event)


@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=8 * 60, time_limit=10 * 60)
@outbox_task
def build_open_data(package_id: int) -> None:
    """Build the open-data package (reporting.open_data)."""
    from reporting.open_data import package_build

    package_build(package_id=package_id)
