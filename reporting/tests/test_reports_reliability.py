"""Asking for a report, idempotency, the broker-down path, retries, failures
and the recovery of builds whose worker died."""

from datetime import timedelta

import pytest
from django.db import OperationalError
from django.utils import timezone

from metroplan.celery import app as celery_app
from metroplan.services import PermissionDenied, ServiceError
from reporting import report_services
from reporting.models import Report
from reporting.tests.report_data import make_report, make_scenario

pytestmark = pytest.mark.django_db

CLOSED_PORT_BROKER = "redis://127.0.0.1:1/0"


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
def broker_down():
    """The broker is a closed port on this machine."""
    saved = _celery_conf(broker_url=CLOSED_PORT_BROKER)
    yield
    celery_app.conf.update(**saved)


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
    assert len(callbacks) == 1  # one build queued


def test_the_build_is_queued_only_after_commit(cast, django_capture_on_commit_callbacks, monkeypatch):
    scenario = make_scenario()
    queued = []
    monkeypatch.setattr(report_services, "_queue_build", queued.append)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        report, _ = report_services.report_request(
            user=cast.staff, plan=scenario.plan, kind="on_demand", period=scenario.period
        )
        assert queued == []
    for callback in callbacks:
        callback()
    assert queued == [report.pk]


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


def test_only_staff_may_ask(cast):
    scenario = make_scenario()
    with pytest.raises(PermissionDenied):
        report_services.report_request(user=cast.focal_a, plan=scenario.plan, kind="period", period=scenario.period)
    assert not Report.objects.exists()


def test_broker_down_gives_a_clear_message_and_writes_nothing(cast, broker_down):
    scenario = make_scenario()
    with pytest.raises(ServiceError) as raised:
        report_services.report_request(user=cast.staff, plan=scenario.plan, kind="period", period=scenario.period)
    assert raised.value.code == "broker_unavailable"
    assert "task queue is unavailable" in raised.value.message
    assert "Nothing was saved" in raised.value.message
    assert not Report.objects.exists()


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
