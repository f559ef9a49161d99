"""The /reports/ pages: who sees what, asking for a report, downloads, and the
broker-down message."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from metroplan.models import OutboxMessage
from reporting import report_services
from reporting.models import Report
from reporting.tests.report_data import make_report, make_scenario

pytestmark = pytest.mark.django_db


@pytest.fixture
def scenario():
    return make_scenario()


@pytest.fixture
def done_report(scenario):
    return report_services.report_build(report_id=make_report(scenario).pk)


def test_staff_see_every_state_focal_points_only_finished_reports(client, cast, scenario, done_report):
    failed = make_report(scenario, kind="on_demand", state="failed", failure_reason="ValueError: boom")
    client.force_login(cast.staff)
    page = client.get(reverse("report-list")).content.decode()
    assert f"#{done_report.pk} " in page and f"#{failed.pk} " in page and "ValueError: boom" in page
    client.force_login(cast.focal_a)
    page = client.get(reverse("report-list")).content.decode()
    assert f"#{done_report.pk} " in page and f"#{failed.pk} " not in page
    assert client.get(reverse("report-detail", args=[failed.pk])).status_code == 404


def test_anonymous_is_sent_to_log_in(client, done_report):
    response = client.get(reverse("report-list"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_detail_shows_the_report_and_downloads(client, cast, done_report):
    client.force_login(cast.focal_a)
    page = client.get(reverse("report-detail", args=[done_report.pk])).content.decode()
    assert "Progress report 2022-Q1" in page and "55%" in page
    for fmt, content_type in [("pdf", "application/pdf"), ("xlsx", "spreadsheetml"), ("csv", "text/csv")]:
        response = client.get(reverse("report-download", args=[done_report.pk, fmt]))
        assert response.status_code == 200, fmt
        assert content_type in response["Content-Type"]
        assert "attachment" in response["Content-Disposition"]
    # The HTML opens in the browser (inline), it is not downloaded.
    html = client.get(reverse("report-download", args=[done_report.pk, "html"]))
    assert html.status_code == 200 and "text/html" in html["Content-Type"]
    assert html["Content-Disposition"].startswith("inline;") and ".html" in html["Content-Disposition"]
    assert b"<!doctype html>" in b"".join(html.streaming_content)
    assert client.get(reverse("report-download", args=[done_report.pk, "exe"])).status_code == 404


def test_the_list_filters_say_any_and_the_built_time_has_one_full_stop(client, cast, done_report):
    client.force_login(cast.focal_a)
    page = client.get(reverse("report-list")).content.decode()
    assert "---------" not in page
    assert "Any kind" in page and "Any state" in page
    detail = client.get(reverse("report-detail", args=[done_report.pk])).content.decode()
    assert "Built " in detail
    assert ".." not in detail.split("Built ", 1)[1].split("<", 1)[0]
    client.cookies["django_language"] = "fr"
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "fr"
    page = client.get(reverse("report-list")).content.decode()
    assert "---------" not in page


def test_queued_report_shows_its_state_and_polls(client, cast):
    report = make_report(make_scenario())
    client.force_login(cast.staff)
    page = client.get(reverse("report-detail", args=[report.pk])).content.decode()
    assert "Queued" in page and 'hx-trigger="every 3s"' in page
    assert client.get(reverse("report-download", args=[report.pk, "pdf"])).status_code == 404


def test_staff_ask_for_a_report(client, cast, django_capture_on_commit_callbacks, monkeypatch):
    scenario = make_scenario()
    monkeypatch.setattr(report_services, "_queue_build", lambda report_id: None)
    client.force_login(cast.staff)
    assert client.get(reverse("report-new")).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("report-new"), {"kind": "on_demand", "period": scenario.period.pk,
                                                       "as_of": "2022-03-31"})
    report = Report.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("report-detail", args=[report.pk])
    assert (report.kind, str(report.as_of), report.requested_by) == ("on_demand", "2022-03-31", cast.staff)
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(reverse("report-new"), {"kind": "on_demand", "period": scenario.period.pk,
                                                    "as_of": "2022-03-31"}, follow=True)
    assert "already asked for" in again.content.decode()
    assert Report.objects.count() == 1


def test_focal_points_cannot_ask(client, cast):
    client.force_login(cast.focal_a)
    assert client.get(reverse("report-new")).status_code == 403


def test_broker_down_the_report_is_kept_queued_and_the_page_says_so(
    client, cast, celery_broker_down, django_capture_on_commit_callbacks
):
    scenario = make_scenario()
    client.force_login(cast.staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("report-new"), {"kind": "period", "period": scenario.period.pk}, follow=True)
    assert response.status_code == 200
    report = Report.objects.get()
    assert report.state == Report.State.QUEUED
    assert OutboxMessage.objects.get().kwargs == {"report_id": report.pk}
    assert "The report is queued" in response.content.decode()


def test_staff_correct_a_report(client, cast, done_report, django_capture_on_commit_callbacks, monkeypatch):
    monkeypatch.setattr(report_services, "_queue_build", lambda report_id: None)
    client.force_login(cast.staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("report-correct", args=[done_report.pk]), {"note": "A value was wrong."})
    correction = Report.objects.get(corrects=done_report)
    assert response["Location"] == reverse("report-detail", args=[correction.pk])
    assert correction.correction_note == "A value was wrong."
    page = client.get(reverse("report-detail", args=[done_report.pk])).content.decode()
    assert "This report was corrected" in page


def test_list_query_count_does_not_grow_with_rows(client, cast):
    scenario = make_scenario()
    client.force_login(cast.staff)
    for day in range(2):
        make_report(scenario, kind="on_demand", as_of=f"2022-03-{day + 1:02d}")
    client.get(reverse("report-list"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("report-list"))
    for day in range(2, 12):
        make_report(scenario, kind="on_demand", as_of=f"2022-03-{day + 1:02d}", state="done")
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("report-list"))
    assert len(many) == len(few)


def test_nav_links_to_reports(client, cast):
    client.force_login(cast.focal_a)
    assert reverse("report-list") in client.get(reverse("report-list")).content.decode()
