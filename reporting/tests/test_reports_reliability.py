"""Asking for a report, idempotency, the broker-down path, retries, failures
and the recovery of builds whose worker died."""

from datetime import timedelta

import pytest
from django.db import OperationalError
from django.utils import timezone

from metroplan import outbox
from metroplan.celery import app as celery_app
from metroplan.changes import queued_work
from metroplan.models import OutboxMessage
from metroplan.outbox import outbox_relay
from metroplan.services import PermissionDenied
from metroplan.testing.celery import use_broker
from reporting import report_services
from reporting.models import Report
from reporting.tests.report_data import make_report, make_scenario

pytestmark = pytest.mark.django_db


def _celery_conf(**values):
    saved = {key: celery_app.conf.get(key) for key in values}
    celery_app.conf.update(**values)
    return saved


@pytest.fixture
def eager():
    """Tasks run in-process when queued (after commit)."""
    saved = _celery_conf(task_always_eager=True)
    yield
    celery_app.conf.update(**saved)


@pytest.fixture
def broker_down(celery_broker_down):
    """The broker is a closed port on this machine."""
    return celery_broker_down


def test_asking_twice_returns_the_first_report(cast, django_capture_on_commit_callbacks):
    scenario = make_scenario()
    with django_capture_on_commit_callbacks() as callbacks:
        first, created = report_services.report_request(
            user=cast.staff, plan=scenario.plan, kind="period", period=scenario.period
        )
        second, created_again = report_services.report_request(
            user=cast.staff, plan=scenario.plan, kind="period", period=scenario.period
        )
    assert created and not created_again
    assert first.pk == second.pk
    assert Report.objects.count() == 1
    assert len(queued_work(callbacks)) == 1  # one build queued


def test_the_build_is_written_with_the_report_and_relayed_only_after_commit(
    cast, django_capture_on_commit_callbacks, monkeypatch
):
    scenario = make_scenario()
    published = []
    monkeypatch.setattr(outbox, "_publish", published.append)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        report, _ = report_services.report_request(
            user=cast.staff, plan=scenario.plan, kind="on_demand", period=scenario.period
        )
    message = OutboxMessage.objects.get()
    assert (message.task, message.kwargs) == ("reporting.tasks.build_report", {"report_id": report.pk})
    assert published == []
    for callback in callbacks:
        callback()
    assert [m.pk for m in published] == [message.pk]


def test_request_builds_end_to_end_and_emails_the_requester(cast, eager, django_capture_on_commit_callbacks,
                                                            mailoutbox):
    scenario = make_scenario()
    with django_capture_on_commit_callbacks(execute=True):
        report, _ = report_services.report_request(
            user=cast.staff, plan=scenario.plan, kind="on_demand", period=scenario.period
        )
    report.refresh_from_db()
    assert report.state == Report.State.DONE
    assert report.attempts == 1
    assert [message.to for message in mailoutbox] == [[cast.staff.email]]
    assert f"/reports/{report.pk}/" in mailoutbox[0].body
    # Telling staff is once per report, whatever runs it again.
    assert report_services.report_notify_ready(report_id=report.pk) == 0
    assert len(mailoutbox) == 1


def test_scheduled_report_emails_every_secretariat_member(cast, mailoutbox):
    scenario = make_scenario()
    report = report_services.report_build(report_id=make_report(scenario).pk)
    assert report_services.report_notify_ready(report_id=report.pk) == 1
    assert mailoutbox[0].to == [cast.staff.email]


def test_the_report_ready_email_links_to_the_report_at_the_sites_address(cast, mailoutbox, settings):
    """A link a mail client can open: absolute, at SITE_URL (it was a bare path)."""
    settings.SITE_URL = "https://plan.example.org"
    report = report_services.report_build(report_id=make_report(make_scenario()).pk)
    report_services.report_notify_ready(report_id=report.pk)
    assert f"https://plan.example.org/reports/{report.pk}/" in mailoutbox[0].body


def test_only_staff_may_ask(cast):
    scenario = make_scenario()
    with pytest.raises(PermissionDenied):
        report_services.report_request(user=cast.focal_a, plan=scenario.plan, kind="period", period=scenario.period)
    assert not Report.objects.exists()


def test_broker_down_keeps_the_request_and_builds_it_once_when_the_broker_is_back(
    cast, broker_down, django_capture_on_commit_callbacks, mailoutbox
):
    scenario = make_scenario()
    with django_capture_on_commit_callbacks(execute=True):
        report, created = report_services.report_request(
            user=cast.staff, plan=scenario.plan, kind="period", period=scenario.period
        )
    assert created and Report.objects.get().state == Report.State.QUEUED
    assert OutboxMessage.objects.get().state == OutboxMessage.State.PENDING
    use_broker()  # the broker is back
    celery_app.conf.task_always_eager = True
    with django_capture_on_commit_callbacks(execute=True):  # the ready e-mail is relayed after the build commits
        assert outbox_relay() == 1
    assert outbox_relay() == 0
    report.refresh_from_db()
    assert (report.state, report.attempts) == (Report.State.DONE, 1)
    assert [m.to for m in mailoutbox] == [[cast.staff.email]]
    assert set(OutboxMessage.objects.values_list("state", flat=True)) == {OutboxMessage.State.DONE}


def test_a_build_relayed_twice_runs_once(cast, eager, django_capture_on_commit_callbacks, mailoutbox):
    from reporting.tasks import build_report

    scenario = make_scenario()
    with django_capture_on_commit_callbacks(execute=True):
        report, _ = report_services.report_request(
            user=cast.staff, plan=scenario.plan, kind="period", period=scenario.period
        )
    message = OutboxMessage.objects.get(task="reporting.tasks.build_report")
    with django_capture_on_commit_callbacks(execute=True):
        build_report.apply_async(kwargs={"report_id": report.pk, "outbox_id": message.pk})  # a repeat
    report.refresh_from_db()
    assert report.attempts == 1 and len(mailoutbox) == 1


def test_worker_killed_mid_build_is_recovered_and_rebuilt(eager, django_capture_on_commit_callbacks):
    scenario = make_scenario()
    # A worker claimed the row an hour ago and died: the row says "running".
    report = make_report(scenario, state=Report.State.RUNNING, attempts=1,
                         started_at=timezone.now() - timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        requeued = report_services.reports_recover_stale()
    assert requeued == [report.pk]
    report.refresh_from_db()
    assert report.state == Report.State.DONE
    assert report.attempts == 2
    assert report.snapshot["plan_progress"]["percent"] == 55


def test_a_redelivered_message_takes_over_a_stale_run():
    scenario = make_scenario()
    report = make_report(scenario, state=Report.State.RUNNING, attempts=1,
                         started_at=timezone.now() - timedelta(hours=1))
    assert report_services.report_build(report_id=report.pk).state == Report.State.DONE


def test_a_live_run_is_not_taken_over():
    scenario = make_scenario()
    report = make_report(scenario, state=Report.State.RUNNING, attempts=1, started_at=timezone.now())
    assert report_services.report_build(report_id=report.pk) is None
    assert report_services.reports_recover_stale() == []
    report.refresh_from_db()
    assert report.state == Report.State.RUNNING


def test_a_long_build_that_still_beats_is_not_taken_over():
    scenario = make_scenario()
    an_hour_ago = timezone.now() - timedelta(hours=1)
    report = make_report(scenario, state=Report.State.RUNNING, attempts=1, started_at=an_hour_ago,
                         heartbeat_at=timezone.now())
    assert report_services.report_build(report_id=report.pk) is None
    assert report_services.reports_recover_stale() == []


def test_a_build_silent_for_half_a_minute_lost_its_worker(django_capture_on_commit_callbacks):
    scenario = make_scenario()
    now = timezone.now()
    report = make_report(scenario, state=Report.State.RUNNING, attempts=1, started_at=now - timedelta(minutes=2),
                         heartbeat_at=now - report_services.LOST_AFTER - timedelta(seconds=1))
    with django_capture_on_commit_callbacks():
        assert report_services.reports_recover_stale(now=now) == [report.pk]
    report.refresh_from_db()
    assert report.state == Report.State.QUEUED and "worker was lost" in report.failure_reason
    assert OutboxMessage.objects.get().kwargs == {"report_id": report.pk}


@pytest.mark.django_db(transaction=True)
def test_a_running_build_keeps_its_heartbeat(monkeypatch):
    import time

    scenario = make_scenario()
    report = make_report(scenario)
    monkeypatch.setattr(report_services, "HEARTBEAT_SECONDS", 0.05)
    build_snapshot = report_services.report_snapshot
    beats = []

    def slow_snapshot(report):
        first = Report.objects.get(pk=report.pk).heartbeat_at
        time.sleep(0.5)
        beats.append((first, Report.objects.get(pk=report.pk).heartbeat_at))
        return build_snapshot(report)

    monkeypatch.setattr(report_services, "report_snapshot", slow_snapshot)
    assert report_services.report_build(report_id=report.pk).state == Report.State.DONE
    first, later = beats[0]
    assert later > first


def test_a_report_never_picked_up_is_queued_again(django_capture_on_commit_callbacks, monkeypatch):
    scenario = make_scenario()
    queued = []
    monkeypatch.setattr(report_services, "_queue_build", queued.append)
    stale = make_report(scenario, queued_at=timezone.now() - timedelta(hours=1))
    make_report(scenario, kind="on_demand")  # queued just now: left alone
    with django_capture_on_commit_callbacks(execute=True):
        assert report_services.reports_recover_stale() == [stale.pk]
    assert queued == [stale.pk]


def test_recovery_gives_up_after_max_attempts():
    scenario = make_scenario()
    report = make_report(scenario, state=Report.State.RUNNING, attempts=report_services.MAX_ATTEMPTS,
                         started_at=timezone.now() - timedelta(hours=1))
    assert report_services.reports_recover_stale() == []
    report.refresh_from_db()
    assert report.state == Report.State.FAILED
    assert "worker was lost" in report.failure_reason


def test_a_transient_error_sends_the_report_back_to_the_queue(monkeypatch):
    scenario = make_scenario()
    report = make_report(scenario)

    def flaky(_report):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(report_services, "report_snapshot", flaky)
    with pytest.raises(OperationalError):
        report_services.report_build(report_id=report.pk, may_retry=True)
    report.refresh_from_db()
    assert report.state == Report.State.QUEUED
    assert "will be retried" in report.failure_reason
    monkeypatch.undo()
    assert report_services.report_build(report_id=report.pk).state == Report.State.DONE


def test_an_error_marks_the_report_failed_with_the_reason(monkeypatch, cast, django_capture_on_commit_callbacks):
    scenario = make_scenario()
    report = make_report(scenario)

    def broken(_report):
        raise ValueError("indicator 1.1.a has no unit")

    monkeypatch.setattr(report_services, "report_snapshot", broken)
    with pytest.raises(ValueError):
        report_services.report_build(report_id=report.pk, may_retry=True)
    report.refresh_from_db()
    assert report.state == Report.State.FAILED
    assert report.failure_reason == "ValueError: indicator 1.1.a has no unit"
    assert report.finished_at is not None
    monkeypatch.undo()
    # Asking again for a failed report queues it again.
    with django_capture_on_commit_callbacks():
        again, created = report_services.report_request(
            user=cast.staff, plan=scenario.plan, kind="period", period=scenario.period
        )
    assert (again.pk, created, again.state) == (report.pk, False, Report.State.QUEUED)


def test_build_task_retries_transient_errors(monkeypatch):
    from reporting import tasks

    calls = []

    def flaky(*, report_id, may_retry):
        calls.append(may_retry)
        raise OperationalError("database restarting")

    monkeypatch.setattr(report_services, "report_build", flaky)
    retried = []
    monkeypatch.setattr(tasks.build_report, "retry", lambda **kw: retried.append(kw) or RuntimeError("retry"))
    with pytest.raises(RuntimeError, match="retry"):
        tasks.build_report.run(7)
    assert calls == [True]
    assert retried[0]["countdown"] == 30


def test_period_close_reports_for_periods_past_their_deadline(django_capture_on_commit_callbacks, monkeypatch):
    scenario = make_scenario()
    monkeypatch.setattr(report_services, "_queue_build", lambda report_id: None)
    with django_capture_on_commit_callbacks():
        before = report_services.period_close_reports_request(today=scenario.period.deadline)
        after = report_services.period_close_reports_request(today=scenario.period.deadline + timedelta(days=1))
        again = report_services.period_close_reports_request(today=scenario.period.deadline + timedelta(days=2))
    assert before == [] and again == []
    assert [(r.kind, r.period_id, r.as_of) for r in after] == [("period", scenario.period.pk, scenario.period.end)]


def test_monthly_report_is_as_of_the_end_of_last_month(django_capture_on_commit_callbacks, monkeypatch):
    scenario = make_scenario()
    monkeypatch.setattr(report_services, "_queue_build", lambda report_id: None)
    with django_capture_on_commit_callbacks():
        report = report_services.monthly_report_request(today=scenario.period.end + timedelta(days=40))
        same = report_services.monthly_report_request(today=scenario.period.end + timedelta(days=45))
    assert (report.kind, report.period_id, str(report.as_of)) == ("monthly", scenario.period.pk, "2022-04-30")
    assert same.pk == report.pk
