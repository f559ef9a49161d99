"""Incremental sync: every list takes `modified_after` / `modified_before`
(on an indexed `modified` column) and then answers in the order rows changed,
so that an integrator fetches only what changed since its last visit."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from tests.api.test_lists import LISTS, results

MODELS = {
    "plans": "actions.Plan", "goals": "actions.Goal", "actions": "actions.Action",
    "indicators": "actions.Indicator", "members": "members.Member", "regions": "members.Region",
    "periods": "reporting.ReportingPeriod", "updates": "reporting.ProgressUpdate", "reports": "reporting.Report",
}


def _age_everything(by=timedelta(days=30)):
    from django.apps import apps

    long_ago = timezone.now() - by
    for label in MODELS.values():
        apps.get_model(label).objects.update(modified=long_ago)
    return long_ago


@pytest.mark.parametrize("name", LISTS)
def test_every_list_filters_on_modified_and_orders_by_it(name, world, staff_api):
    from reporting.models import Report

    Report.objects.create(plan=world.plan, kind="period", period=world.closed_period, as_of=world.closed_period.end)
    long_ago = _age_everything()
    before = results(staff_api.get(f"/api/v1/{name}/"))
    assert before, name
    since = (long_ago + timedelta(days=1)).isoformat()
    assert results(staff_api.get(f"/api/v1/{name}/", {"modified_after": since})) == []
    everything = results(staff_api.get(f"/api/v1/{name}/", {"modified_before": since}))
    assert len(everything) == len(before)
    assert all(parse_datetime(row["modified"]) == long_ago for row in everything)
    ordered = results(staff_api.get(f"/api/v1/{name}/", {"ordering": "-modified"}))
    assert len(ordered) == len(before)


def test_a_changed_row_is_the_only_one_after_the_last_visit(world, staff_api):
    _age_everything()
    last_visit = timezone.now()
    goal = staff_api.get("/api/v1/goals/2/")
    response = staff_api.patch("/api/v1/goals/2/", {"title_en": "Climate action"}, format="json",
                               HTTP_IF_MATCH=goal["ETag"])
    assert response.status_code == 200, response.content
    rows = results(staff_api.get("/api/v1/goals/", {"modified_after": last_visit.isoformat()}))
    assert [row["code"] for row in rows] == ["2"]
    assert parse_datetime(rows[0]["modified"]) >= last_visit


def test_rows_come_in_the_order_they_changed(world, staff_api):
    long_ago = _age_everything()
    from members.models import Member

    Member.objects.filter(slug="member-b").update(modified=long_ago + timedelta(hours=1))
    Member.objects.filter(slug="member-a").update(modified=long_ago + timedelta(hours=2))
    rows = results(staff_api.get("/api/v1/members/", {"modified_after": long_ago.isoformat()}))
    assert [row["slug"] for row in rows] == ["member-b", "member-a"]


def test_a_save_naming_its_fields_still_moves_modified(world):
    _age_everything()
    world.period.is_open = False
    world.period.save(update_fields=["is_open"])
    world.period.refresh_from_db()
    assert world.period.modified > timezone.now() - timedelta(minutes=1)


@pytest.mark.parametrize("value", ["yesterday", "2026-13-01T00:00:00Z", ""])
def test_a_malformed_moment_is_a_400_naming_it(world, staff_api, value):
    response = staff_api.get("/api/v1/actions/", {"modified_after": value})
    assert response.status_code == 400
    assert "modified_after" in response.json()["field_errors"]


@pytest.mark.parametrize("table", ["actions_plan", "actions_goal", "actions_action", "actions_indicator",
                                   "members_member", "members_region", "reporting_reportingperiod",
                                   "reporting_progressupdate", "reporting_report"])
def test_modified_is_indexed(db, table):
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    assert any(c["columns"] == ["modified"] and c["index"] for c in constraints.values()), table


def test_the_schema_documents_the_sync_filters(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    for name in LISTS:
        params = {p["name"] for p in schema["paths"][f"/api/v1/{name}/"]["get"]["parameters"]}
        assert {"modified_after", "modified_before"} <= params, name
