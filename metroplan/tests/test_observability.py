"""Operations: Prometheus metrics at /metrics (who may read them, what they
count, several processes added up), errors to Sentry (web and worker, with the
request id and no personal data), e-mail through django-anymail, and JSON
access lines from gunicorn with the request id."""

import json
import logging
import os
import subprocess
import sys

import pytest
from celery import shared_task
from django.core import mail
from django.test import Client
from django.urls import path
from prometheus_client.parser import text_string_to_metric_families
from sentry_sdk.transport import Transport

from metroplan.logging import request_id
from metroplan.models import OutboxMessage
from metroplan.sentry import sentry_init
from metroplan.urls import urlpatterns as site_urlpatterns

pytestmark = pytest.mark.django_db
TOKEN = "metrics-token-for-tests-0123456789"


def boom(request):
    raise RuntimeError("could not write to alice@example.org")


urlpatterns = [path("boom/", boom), *site_urlpatterns]


def sample(text: str, name: str, **labels) -> float:
    """The value of one sample of the exposition `text` (0 when absent)."""
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                return s.value
    return 0.0


def scrape(client=None, **headers) -> str:
    client = client or Client()
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}", **headers)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    return response.content.decode()


# --- /metrics: who may read it ---------------------------------------------------------------


def test_metrics_are_closed_when_nothing_is_configured(settings, cast):
    settings.METRICS_TOKEN, settings.METRICS_ALLOWED_NETWORKS = "", []
    assert Client().get("/metrics").status_code == 403
    staff = Client()
    staff.force_login(cast.staff)
    assert staff.get("/metrics").status_code == 403  # a person's session is no scraper's key


def test_metrics_take_the_token_and_refuse_anyone_else(settings):
    settings.METRICS_TOKEN, settings.METRICS_ALLOWED_NETWORKS = TOKEN, []
    assert Client().get("/metrics").status_code == 403
    assert Client().get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    assert Client().get("/metrics", HTTP_AUTHORIZATION=f"Token {TOKEN}").status_code == 403
    assert Client().get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 200


def test_metrics_take_an_allowed_network_by_the_real_client_address(settings):
    settings.METRICS_TOKEN, settings.METRICS_ALLOWED_NETWORKS = "", ["10.20.0.0/16"]
    settings.TRUSTED_PROXIES = ["192.0.2.1"]
    assert Client(REMOTE_ADDR="10.20.3.4").get("/metrics").status_code == 200
    assert Client(REMOTE_ADDR="10.21.3.4").get("/metrics").status_code == 403
    # Through the trusted proxy: the address it forwards counts, not the proxy's.
    via_proxy = Client(REMOTE_ADDR="192.0.2.1")
    assert via_proxy.get("/metrics", HTTP_X_FORWARDED_FOR="10.20.9.9").status_code == 200
    assert via_proxy.get("/metrics", HTTP_X_FORWARDED_FOR="203.0.113.5").status_code == 403
    # Anyone else's X-Forwarded-For is not read.
    assert Client(REMOTE_ADDR="203.0.113.5").get("/metrics", HTTP_X_FORWARDED_FOR="10.20.9.9").status_code == 403


# --- /metrics: what it counts ----------------------------------------------------------------


def test_metrics_count_requests_latencies_and_queries(settings, cast):
    settings.METRICS_TOKEN = TOKEN
    before = scrape()
    client = Client()
    client.force_login(cast.staff)
    assert client.get("/reports/").status_code == 200
    after = scrape()
    assert sample(after, "django_http_requests_total_by_view_transport_method_total",
                  view="report-list", method="GET") == sample(
        before, "django_http_requests_total_by_view_transport_method_total", view="report-list", method="GET") + 1
    assert sample(after, "django_http_requests_latency_seconds_by_view_method_count", view="report-list",
                  method="GET") >= 1
    assert sample(after, "metroplan_db_queries_total", alias="default") > sample(
        before, "metroplan_db_queries_total", alias="default")
    assert sample(after, "metroplan_db_query_duration_seconds_count", alias="default") > 0


def test_metrics_show_the_outbox_waiting_and_the_reports_by_state(settings):
    from reporting.tests.report_data import make_report, make_scenario

    settings.METRICS_TOKEN = TOKEN
    OutboxMessage.objects.create(task="reporting.tasks.notify_update", kwargs={})
    OutboxMessage.objects.create(task="reporting.tasks.notify_update", kwargs={}, state=OutboxMessage.State.SENT)
    make_report(make_scenario())
    text = scrape()
    assert sample(text, "metroplan_outbox_messages", state="pending") == 1
    assert sample(text, "metroplan_outbox_messages", state="sent") == 1
    assert sample(text, "metroplan_reports", state="queued") == 1
    assert sample(text, "metroplan_reports", state="done") == 0


def test_a_report_build_counts_in_the_metrics(settings):
    from reporting import report_services
    from reporting.tests.report_data import make_report, make_scenario

    settings.METRICS_TOKEN = TOKEN
    before = sample(scrape(), "metroplan_report_builds_total", state="done")
    report = report_services.report_build(report_id=make_report(make_scenario()).pk)
    assert report.state == "done"
    text = scrape()
    assert sample(text, "metroplan_report_builds_total", state="done") == before + 1
    assert sample(text, "metroplan_reports", state="done") == 1


def test_reminders_and_emails_sent_count_in_the_metrics(settings, cast, celery_eager,
                                                         django_capture_on_commit_callbacks, monkeypatch):
    from datetime import UTC, date, datetime, time

    from metroplan import outbox
    from metroplan.testing import factories as f
    from metroplan.testing.clock import frozen
    from reporting.tasks import send_reminders

    monkeypatch.setattr(outbox, "_broker_down_until", 0.0)
    settings.METRICS_TOKEN = TOKEN
    settings.EMAIL_BACKEND = "metroplan.mail.MeteredEmailBackend"
    settings.EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    plan = f.PlanFactory()
    period = f.ReportingPeriodFactory(plan=plan, code="2022-Q1")  # deadline 2022-04-30
    f.ActionFactory(goal=f.GoalFactory(plan=plan), code="1.1", members=[cast.member_a])
    assert period.deadline == date(2022, 4, 30)
    before = scrape()
    # Three days before the deadline: the schedule's "3 days before" step, sent through the outbox.
    with frozen(datetime.combine(date(2022, 4, 27), time(7), tzinfo=UTC)), \
            django_capture_on_commit_callbacks(execute=True):
        send_reminders()
    assert len([message for message in mail.outbox if cast.focal_a.email in message.to]) == 1
    after = scrape()
    assert sample(after, "metroplan_emails_sent_total") == sample(
        before, "metroplan_emails_sent_total") + len(mail.outbox)  # the reminder, and staff's first digest
    assert sample(after, "metroplan_reminders_sent_total", kind="due_soon") == sample(
        before, "metroplan_reminders_sent_total", kind="due_soon") + 1


def test_several_processes_add_up_through_the_multiprocess_directory(tmp_path, monkeypatch, settings):
    """As gunicorn's workers and Celery's processes do with PROMETHEUS_MULTIPROC_DIR."""
    settings.METRICS_TOKEN = TOKEN
    code = ("from metroplan.metrics import REPORT_BUILDS, EMAILS_SENT; "
            "REPORT_BUILDS.labels('failed').inc(); EMAILS_SENT.inc(3)")
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    for _ in range(2):
        subprocess.run([sys.executable, "-c", code], env=env, check=True, cwd=settings.BASE_DIR)
    assert len(list(tmp_path.glob("counter_*.db"))) == 2  # one file per process
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    text = scrape()
    assert sample(text, "metroplan_report_builds_total", state="failed") == 2
    assert sample(text, "metroplan_emails_sent_total") == 6
    assert sample(text, "metroplan_outbox_messages", state="pending") == 0  # read now, as ever


# --- Sentry ----------------------------------------------------------------------------------


class MemoryTransport(Transport):
    """A Sentry transport that keeps the events it is given."""

    def __init__(self, options=None):
        super().__init__(options)
        self.events = []

    def capture_envelope(self, envelope):
        self.events.extend(item.payload.json for item in envelope.items if item.type == "event")


@pytest.fixture
def sentry_events():
    import sentry_sdk

    transport = MemoryTransport()
    sentry_init(dsn="https://public@sentry.example.invalid/1", environment="test", transport=transport)
    yield transport.events
    sentry_sdk.flush()
    sentry_sdk.init()  # no DSN: nothing is sent any more


def test_an_error_in_a_view_reaches_sentry_with_the_request_id_and_no_personal_data(sentry_events, settings, cast):
    import sentry_sdk

    settings.ROOT_URLCONF = __name__
    cast.staff.email, cast.staff.username = "staff.person@example.org", "zed-quimby-7"
    cast.staff.save()
    client = Client(raise_request_exception=False)
    client.force_login(cast.staff)
    client.cookies["tracking"] = "cookie-value-secret"
    response = client.post("/boom/", {"password": "hunter2", "email": "bob@example.org"},
                           HTTP_AUTHORIZATION="Bearer secret-api-token")
    assert response.status_code == 500
    sentry_sdk.flush()
    [event] = [e for e in sentry_events if e.get("exception")]
    assert event["exception"]["values"][-1]["type"] == "RuntimeError"
    assert event["tags"]["request_id"] == response["X-Request-ID"]
    text = json.dumps(event)
    for secret in ("alice@example.org", "bob@example.org", "staff.person@example.org", "hunter2",
                   "cookie-value-secret", "secret-api-token", cast.staff.username):
        assert secret not in text, secret
    assert "cookies" not in event.get("request", {}) and "data" not in event.get("request", {})
    assert "[e-mail]" in event["exception"]["values"][-1]["value"]


@shared_task(name="metroplan.tests.test_observability.failing_task")
def failing_task(recipient: str):
    raise ValueError(f"mailbox {recipient} is full")


def test_an_error_in_a_task_reaches_sentry_with_the_request_id_that_queued_it(sentry_events):
    import sentry_sdk

    token = request_id.set("req-from-the-web-1234")  # the task was queued during this request
    try:
        result = failing_task.apply(kwargs={"recipient": "carol@example.org"})
    finally:
        request_id.reset(token)
    assert result.failed()
    sentry_sdk.flush()
    [event] = [e for e in sentry_events if e.get("exception")]
    assert event["exception"]["values"][-1]["type"] == "ValueError"
    assert event["tags"]["request_id"] == "req-from-the-web-1234"
    assert "carol@example.org" not in json.dumps(event)


def test_an_error_logged_reaches_sentry_without_emails(sentry_events):
    import sentry_sdk

    logging.getLogger("reporting.tasks").error("Could not send to dave@example.org")
    sentry_sdk.flush()
    [event] = sentry_events
    assert "dave@example.org" not in json.dumps(event) and "[e-mail]" in json.dumps(event)


def test_sentry_is_configured_from_the_environment_only_when_a_dsn_is_given():
    code = "import django; django.setup(); import sentry_sdk; print(sentry_sdk.get_client().is_active())"
    base = {k: v for k, v in os.environ.items() if k != "SENTRY_DSN"}
    base["DJANGO_SETTINGS_MODULE"] = "metroplan.settings_test"
    off = subprocess.run([sys.executable, "-c", code], env=base, capture_output=True, text=True, check=True)
    on = subprocess.run([sys.executable, "-c", code], env={**base, "SENTRY_DSN": "https://k@sentry.example.invalid/2"},
                        capture_output=True, text=True, check=True)
    assert off.stdout.strip() == "False" and on.stdout.strip() == "True"


def test_a_multiprocess_folder_that_does_not_exist_stops_the_process_naming_it(tmp_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "metroplan.settings_test",
           "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "missing")}
    result = subprocess.run([sys.executable, "-c", "import django; django.setup()"], env=env,
                            capture_output=True, text=True)
    assert result.returncode != 0 and "PROMETHEUS_MULTIPROC_DIR must be an existing folder" in result.stderr
