"""Reports: asking for one, and recording how its build went.

A report is identified by (plan, kind, period, as_of): asking twice returns the
first. The build task is queued only after the row is committed; if the broker
is down, the row is not kept and the caller gets a clear ServiceError.
"""

import logging
from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from metroplan.permissions import is_secretariat
from metroplan.services import PermissionDenied, ServiceError
from reporting.models import Report

logger = logging.getLogger(__name__)


def broker_available() -> bool:
    """Whether the Celery broker answers now (a short, bounded check)."""
    from metroplan.celery import app

    try:
        with app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=2)
        return True
    except Exception as exc:  # noqa: BLE001 - kombu/redis raise many kinds of connection errors
        logger.warning("Celery broker unavailable: %s", exc)
        return False


def _queue_build(report_id: int) -> None:
    """Runs after commit. If publishing fails now, the report stays queued and
    the recovery task (reporting.tasks) queues it again later."""
    from reporting.tasks import build_report

    try:
        build_report.delay(report_id)
    except Exception:  # noqa: BLE001
        logger.exception("Could not queue the build of report %s; recovery will retry", report_id)


def report_request(*, user, plan, kind: str, period, as_of: date | None = None) -> tuple[Report, bool]:
    """Ask for a report; returns (report, created).

    `user` None means the scheduler; otherwise staff only. If the broker is down
    nothing is written and ServiceError(code="broker_unavailable") is raised.
    """
    if user is not None and not is_secretariat(user):
        raise PermissionDenied(_("Only secretariat staff can ask for a report."))
    if kind not in Report.Kind.values:
        raise ServiceError(_("Unknown report kind %(kind)s.") % {"kind": kind}, code="invalid_kind")
    if period.plan_id != plan.pk:
        raise ServiceError(_("This period belongs to another plan."), code="wrong_plan")
    as_of = as_of or (period.end if kind == Report.Kind.PERIOD else timezone.localdate())
    existing = Report.objects.filter(plan=plan, kind=kind, period=period, as_of=as_of, corrects__isnull=True).first()
    if existing is not None:
        return existing, False
    if not broker_available():
        raise ServiceError(
            _("The report could not be queued because the task queue is unavailable. Nothing was saved; "
              "please try again in a few minutes."),
            code="broker_unavailable",
        )
    try:
        with transaction.atomic():
            report = Report.objects.create(
                plan=plan, kind=kind, period=period, as_of=as_of, requested_by=user, state=Report.State.QUEUED
            )
    except IntegrityError:  # asked twice at the same moment: the other request won
        return Report.objects.get(plan=plan, kind=kind, period=period, as_of=as_of, corrects__isnull=True), False
    transaction.on_commit(lambda: _queue_build(report.pk))
    return report, True
