"""Reports: asking for one, building it, correcting it, recovering stuck builds
and telling staff when it is ready.

A report is identified by (plan, kind, period, as_of): asking twice returns the
first. The build task is written to the outbox (metroplan.outbox) with the row,
so it reaches the broker after commit, or when the broker is back if it is down:
asking for a report never fails because the task queue is away.

A build claims its row with a conditional update (queued → running), so a task
delivered twice builds once. A running build touches `heartbeat_at` every few
seconds; a row "running" whose heartbeat stopped for LOST_AFTER lost its worker
(killed, out of memory, machine gone): `reports_recover_stale` (beat, every 15
seconds) puts it back in the queue, and another build may take it over.
A finished report is never rebuilt: a correction is a new report.
"""

import logging
import threading
from contextlib import contextmanager
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, InterfaceError, OperationalError, connection, transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from actions.models import Plan
from members.languages import emails_by_language
from metroplan import changes
from metroplan.db_router import replica_reads
from metroplan.metrics import REPORT_BUILDS
from metroplan.outbox import outbox_enqueue
from metroplan.permissions import can_request_report, secretariat_users
from metroplan.services import PermissionDenied, ServiceError
from reporting.models import Report, ReportingPeriod

logger = logging.getLogger(__name__)

# A running build touches its row this often; one silent for LOST_AFTER has lost
# its worker (the recovery runs every 15 s, so a lost build restarts within a minute).
HEARTBEAT_SECONDS = getattr(settings, "REPORTS_HEARTBEAT_SECONDS", 5)
LOST_AFTER = timedelta(seconds=getattr(settings, "REPORTS_LOST_AFTER_SECONDS", 20))
# A queued row nobody picked up for this long lost its message (broker down when
# it was published, or broker restarted without persistence): publish it again.
STALE_QUEUED_AFTER = timedelta(minutes=getattr(settings, "REPORTS_STALE_QUEUED_MINUTES", 10))
MAX_ATTEMPTS = 5
# Errors worth another try: the database or a file system hiccupped.
TRANSIENT_ERRORS = (OperationalError, InterfaceError, OSError)


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
    """Write the build to the outbox, in the caller's transaction."""
    outbox_enqueue("reporting.tasks.build_report", report_id=report_id)


def _queue_notify(report_id: int) -> None:
    """Write the "report ready" e-mail to the outbox, in the caller's transaction."""
    outbox_enqueue("reporting.tasks.notify_report_ready", report_id=report_id)


def report_request(*, user, plan, kind: str, period, as_of: date | None = None) -> tuple[Report, bool]:
    """Ask for a report; returns (report, created).

    `user` None means the scheduler; otherwise staff only. The build is queued
    through the outbox, so a broker that is down delays it and loses nothing.
    Asking again for a report whose build failed queues it again.
    """
    if user is not None and not can_request_report(user):
        raise PermissionDenied(_("Only secretariat staff can ask for a report."))
    if kind not in Report.Kind.values:
        raise ServiceError(_("Unknown report kind %(kind)s.") % {"kind": kind}, code="invalid_kind")
    if period.plan_id != plan.pk:
        raise ServiceError(_("This period belongs to another plan."), code="wrong_plan")
    as_of = as_of or (period.end if kind == Report.Kind.PERIOD else timezone.localdate())
    existing = Report.objects.filter(plan=plan, kind=kind, period=period, as_of=as_of, corrects__isnull=True).first()
    if existing is not None:
        if existing.state == Report.State.FAILED and user is not None:
            _requeue_failed(existing)
        return existing, False
    try:
        with transaction.atomic():
            report = Report.objects.create(
                plan=plan, kind=kind, period=period, as_of=as_of, requested_by=user, state=Report.State.QUEUED
            )
            _queue_build(report.pk)
    except IntegrityError:  # asked twice at the same moment: the other request won
        return Report.objects.get(plan=plan, kind=kind, period=period, as_of=as_of, corrects__isnull=True), False
    return report, True


@transaction.atomic
def _requeue_failed(report: Report) -> None:
    now = timezone.now()
    if Report.objects.filter(pk=report.pk, state=Report.State.FAILED).update(
        state=Report.State.QUEUED, queued_at=now, attempts=0, modified=now,
        failure_reason=_("Asked for again after: %(reason)s") % {"reason": report.failure_reason},
    ):
        _record_transition(report.pk, Report.State.FAILED)
        report.refresh_from_db()
        _queue_build(report.pk)


def report_correct(*, user, report: Report, note: str) -> Report:
    """A correction of a finished report: a new report of the same plan, kind,
    period and as_of, built from today's data, that names the report it
    corrects and says why (`note`); its snapshot lists the figures that changed.
    The corrected report stays as it was."""
    if not can_request_report(user):
        raise PermissionDenied(_("Only secretariat staff can correct a report."))
    note = (note or "").strip()
    if not note:
        raise ServiceError(_("Say what changed and why."), code="correction_needs_note")
    if report.state != Report.State.DONE:
        raise ServiceError(_("Only a finished report can be corrected."), code="not_done")
    if report.corrections.filter(state__in=[Report.State.QUEUED, Report.State.RUNNING]).exists():
        raise ServiceError(_("A correction of this report is already being built."), code="correction_pending")
    with transaction.atomic():
        correction = Report.objects.create(
            plan=report.plan, kind=report.kind, period=report.period, as_of=report.as_of, corrects=report,
            correction_note=note, requested_by=user, state=Report.State.QUEUED,
        )
        _queue_build(correction.pk)
    return correction


def _lost(now) -> Q:
    """Running rows whose build has not touched them for LOST_AFTER."""
    return Q(state=Report.State.RUNNING, last_sign_of_life__lt=now - LOST_AFTER)


def _with_last_sign_of_life(queryset):
    return queryset.alias(last_sign_of_life=Coalesce("heartbeat_at", "started_at"))


def _record_transition(report_id: int, old_state: str) -> None:
    """A state changed by a conditional update (which sends no signal): into
    the change feed, in the same transaction."""
    report = Report.objects.select_related("plan", "period").get(pk=report_id)
    if report.state != old_state:
        changes.record_saved(report, changed_fields=["state"], old_state=old_state)


@transaction.atomic
def _claim(report_id: int, now) -> bool:
    """queued → running (or take over a running row whose worker was lost)."""
    claimable = Q(state=Report.State.QUEUED) | _lost(now)
    old_state = Report.objects.filter(pk=report_id).values_list("state", flat=True).first()
    claimed = bool(
        _with_last_sign_of_life(Report.objects.filter(pk=report_id)).filter(claimable).update(
            state=Report.State.RUNNING, started_at=now, heartbeat_at=now, finished_at=None,
            attempts=F("attempts") + 1, modified=now,
        )
    )
    if claimed:
        _record_transition(report_id, old_state)
    return claimed


@contextmanager
def _heartbeat(report_id: int, started_at):
    """While the build runs, touch `heartbeat_at` every HEARTBEAT_SECONDS from a
    thread of its own (with its own database connection), so that a build that
    is alive is never taken for lost, however long a step takes."""
    stop = threading.Event()

    def beat():
        try:
            while not stop.wait(HEARTBEAT_SECONDS):
                try:
                    Report.objects.filter(pk=report_id, state=Report.State.RUNNING, started_at=started_at).update(
                        heartbeat_at=timezone.now()
                    )
                except Exception:  # noqa: BLE001 - a missed beat is not a failed build
                    logger.warning("Report %s: heartbeat not recorded", report_id, exc_info=True)
        finally:
            connection.close()

    thread = threading.Thread(target=beat, name=f"report-{report_id}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def _previous_of_kind(report: Report) -> Report | None:
    """The last finished report of the same plan and kind before this one's as_of
    (its latest correction, if it was corrected)."""
    return (
        Report.objects.filter(plan=report.plan, kind=report.kind, state=Report.State.DONE, as_of__lt=report.as_of)
        .exclude(snapshot=None)
        .order_by("-as_of", "-finished_at")
        .first()
    )


def _reference(report: Report) -> dict:
    return {"id": report.pk, "period": report.period.code, "as_of": report.as_of.isoformat()}


def report_snapshot(report: Report) -> dict:
    """The full snapshot of `report` with what changed since the previous
    report of its kind and, for a correction, since the report it corrects."""
    from reporting.snapshot import snapshot_build, snapshot_diff

    snapshot = snapshot_build(report)
    previous = _previous_of_kind(report)
    snapshot["changes"] = {
        "previous": _reference(previous) if previous else None,
        "items": snapshot_diff(previous.snapshot, snapshot) if previous else [],
    }
    if report.corrects_id:
        corrected = report.corrects
        snapshot["correction"] = {
            "corrects": corrected.pk,
            "note": report.correction_note,
            "items": snapshot_diff(corrected.snapshot, snapshot) if corrected.snapshot else [],
        }
    return snapshot


def report_build(*, report_id: int, may_retry: bool = False) -> Report | None:
    """Build one report: claim it, take the snapshot, render every format, save,
    mark it done and queue the e-mail to staff. Returns None when there was
    nothing to do (already built, or being built by a live worker).

    On an error the row records the reason: it goes back to "queued" when the
    error is transient and `may_retry` (the task retries with backoff), and to
    "failed" otherwise. The error is raised again for the task to see.
    """
    from reporting.report_files import BODY, render_files

    now = timezone.now()
    if not _claim(report_id, now):
        logger.info("Report %s: nothing to build (done, failed, or running elsewhere)", report_id)
        return None
    report = Report.objects.select_related("plan", "period", "corrects").get(pk=report_id)
    stored: dict[str, str] = {}
    try:
        with translation.override(settings.LANGUAGE_CODE), _heartbeat(report_id, now):
            with replica_reads():  # reads only: the replica's, when there is one (docs/scaling.md)
                snapshot = report_snapshot(report)
            # The default language's files now; the others when first asked for (report_files).
            stored = render_files(report, snapshot, settings.LANGUAGE_CODE)
        storage = Report._meta.get_field("pdf").storage
        with storage.open(stored[BODY], "rb") as handle:
            html = handle.read().decode("utf-8")
        with transaction.atomic():
            current = Report.objects.select_for_update().get(pk=report_id)
            if current.state != Report.State.RUNNING or current.started_at != now:
                logger.warning("Report %s was taken over by another build; discarding this one", report_id)
                return None
            for field in ("pdf", "xlsx", "csv"):
                getattr(current, field).name = stored[field]
            current.snapshot = snapshot
            current.html = html
            current.state = Report.State.DONE
            current.failure_reason = ""
            current.finished_at = timezone.now()
            current.save()
            _queue_notify(report_id)
        REPORT_BUILDS.labels("done").inc()
        return current
    except Exception as exc:
        retry = may_retry and isinstance(exc, TRANSIENT_ERRORS)
        REPORT_BUILDS.labels("retry" if retry else "failed").inc()
        reason = f"{type(exc).__name__}: {exc}"
        with transaction.atomic():
            _record_failure(report_id, now, report, retry, reason)
        raise


def _record_failure(report_id: int, now, report: Report, retry: bool, reason: str) -> None:
    """running → queued (to retry) or failed, with the reason."""
    if Report.objects.filter(pk=report_id, state=Report.State.RUNNING, started_at=now).update(
        state=Report.State.QUEUED if retry else Report.State.FAILED,
        failure_reason=(
            _("Attempt %(n)s failed and will be retried: %(reason)s") % {"n": report.attempts, "reason": reason}
            if retry else reason
        ),
        queued_at=timezone.now(),
        finished_at=None if retry else timezone.now(),
        modified=timezone.now(),
    ):
        _record_transition(report_id, Report.State.RUNNING)


@transaction.atomic
def reports_recover_stale(*, now=None) -> list[int]:
    """Queue again the builds that died or were never picked up; returns the
    ids queued. A row that used up MAX_ATTEMPTS is marked failed instead.

    - running with no heartbeat for LOST_AFTER: its worker was lost (killed,
      out of memory, machine gone) after it claimed the row;
    - queued for longer than STALE_QUEUED_AFTER: its message never arrived.
    Safe to run twice at once: each row changes with a conditional update.
    """
    now = now or timezone.now()
    queued = []
    for report in _with_last_sign_of_life(Report.objects.all()).filter(_lost(now)):
        same_run = Report.objects.filter(pk=report.pk, state=Report.State.RUNNING, started_at=report.started_at)
        if report.attempts >= MAX_ATTEMPTS:
            if same_run.update(
                state=Report.State.FAILED, finished_at=now, modified=now,
                failure_reason=_("Gave up after %(n)s attempts; the last one, started %(at)s, stopped without "
                                 "finishing (its worker was lost).") % {"n": report.attempts, "at": report.started_at},
            ):
                _record_transition(report.pk, Report.State.RUNNING)
        elif same_run.update(
            state=Report.State.QUEUED, queued_at=now, modified=now,
            failure_reason=_("The build started %(at)s stopped without finishing (its worker was lost); "
                             "queued again.") % {"at": report.started_at},
        ):
            _record_transition(report.pk, Report.State.RUNNING)
            queued.append(report.pk)
    for report in Report.objects.filter(state=Report.State.QUEUED, queued_at__lt=now - STALE_QUEUED_AFTER):
        if Report.objects.filter(pk=report.pk, state=Report.State.QUEUED, queued_at=report.queued_at).update(
            queued_at=now
        ):
            queued.append(report.pk)
    for report_id in queued:
        _queue_build(report_id)
    if queued:
        logger.warning("Queued again stale report builds: %s", queued)
    return queued


def _staff_recipients(report: Report) -> dict[str, list[str]]:
    """The requester, or every secretariat member for a scheduled report, by language."""
    requester = report.requested_by
    if requester is not None and requester.email:
        return emails_by_language(get_user_model().objects.filter(pk=requester.pk))
    return emails_by_language(secretariat_users())


def report_notify_ready(*, report_id: int) -> int:
    """E-mail staff that a report is ready (the requester, or every secretariat
    member for a scheduled report), each in their own language. Once per report:
    the row is claimed by setting `notified_at`; a failed send releases it for
    the task's retry."""
    now = timezone.now()
    if not Report.objects.filter(pk=report_id, state=Report.State.DONE, notified_at__isnull=True).update(
        notified_at=now
    ):
        return 0
    report = Report.objects.select_related("plan", "period", "requested_by").get(pk=report_id)
    groups = _staff_recipients(report)
    base = getattr(settings, "SITE_URL", "").rstrip("/")
    sent = 0
    try:
        for language, recipients in groups.items():
            with translation.override(language):
                subject = _("Report ready: %(report)s") % {"report": report}
                lines = [
                    _("The %(kind)s progress report %(period)s (as of %(as_of)s) of %(plan)s is ready.") % {
                        "kind": report.get_kind_display().lower(), "period": report.period.code,
                        "as_of": date_format(report.as_of, "DATE_FORMAT"), "plan": report.plan.name,
                    },
                    f"{base}{reverse('report-detail', args=[report.pk])}",
                ]
                if report.corrects_id:
                    lines.append(_("It corrects report #%(id)s: %(note)s") % {"id": report.corrects_id,
                                                                              "note": report.correction_note})
            sent += send_mail(subject, "\n\n".join(lines), settings.DEFAULT_FROM_EMAIL, recipients)
    except Exception:
        # Released for the retry only if no language's e-mail went out: a retry
        # would send those again.
        if not sent:
            Report.objects.filter(pk=report_id, notified_at=now).update(notified_at=None)
        raise
    return sent


# Scheduled requests -----------------------------------------------------------------------------


def _scheduled_plans():
    return Plan.objects.filter(Q(is_current=True) | Q(status=Plan.Status.ACTIVE))


def period_close_reports_request(*, today: date | None = None) -> list[Report]:
    """The period-close report of every period of an active or current plan
    whose submission deadline has passed and that has none yet.

    A period closes for reporting at its deadline: before that, its updates are
    "not yet due" and the report would have no compliance to show.
    """
    today = today or timezone.localdate()
    periods = (
        ReportingPeriod.objects.filter(plan__in=_scheduled_plans(), deadline__lt=today)
        .exclude(reports__kind=Report.Kind.PERIOD)
        .select_related("plan")
        .order_by("start")
    )
    requested = []
    for period in periods:
        report, created = report_request(user=None, plan=period.plan, kind=Report.Kind.PERIOD, period=period)
        if created:
            requested.append(report)
    return requested


def monthly_report_request(*, today: date | None = None) -> Report | None:
    """The monthly report of the current plan, as of the last day of the
    previous month, on the latest period that ended by then."""
    today = today or timezone.localdate()
    plan = Plan.objects.current()
    if plan is None or plan.status == Plan.Status.CLOSED:
        return None
    as_of = today.replace(day=1) - timedelta(days=1)
    periods = ReportingPeriod.objects.filter(plan=plan)
    period = (
        periods.filter(end__lte=as_of).order_by("-end").first()
        or periods.filter(start__lte=as_of).order_by("-start").first()
    )
    if period is None:
        return None
    report, _created = report_request(user=None, plan=plan, kind=Report.Kind.MONTHLY, period=period, as_of=as_of)
    return report
