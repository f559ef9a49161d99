"""The change feed (GET /api/v1/changes/): every create, update, delete and
workflow transition the caller may see, in commit order, with an opaque cursor
that replays the same sequence; recorded in the change's own transaction."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from metroplan.models import Change
from metroplan.testing import factories as f


def feed(client, after=None, **params):
    if after is not None:
        params["after"] = after
    response = client.get("/api/v1/changes/", params)
    assert response.status_code == 200, response.content[:400]
    return response.json()


def everything(client, page_size=100):
    """Follow the feed to its end, as an integrator would."""
    entries, cursor = [], None
    while True:
        page = feed(client, cursor, page_size=page_size)
        entries += page["results"]
        cursor = page["cursor"]
        if not page["has_more"]:
            return entries, cursor


def of(entries, type_, key):
    return [entry for entry in entries if entry["type"] == type_ and entry["key"] == str(key)]


@pytest.fixture
def reader_api(api, keys):
    return api(keys["read"])


def test_an_api_edit_appears_with_its_changed_fields_and_new_state(world, staff_api):
    _, cursor = everything(staff_api)
    goal = staff_api.get("/api/v1/goals/2/")
    staff_api.patch("/api/v1/goals/2/", {"title_en": "Climate action"}, format="json", HTTP_IF_MATCH=goal["ETag"])
    page = feed(staff_api, cursor)
    [entry] = page["results"]
    assert entry["type"] == "goal" and entry["key"] == "2" and entry["kind"] == "updated"
    assert "title_en" in entry["changed_fields"] and "modified" not in entry["changed_fields"]
    assert entry["state"]["title_en"] == "Climate action" and entry["state"]["plan"] == world.plan.code
    assert page["has_more"] is False and page["cursor"] == entry["cursor"]


def test_create_update_delete_in_commit_order_and_a_tombstone(world, staff_api):
    _, cursor = everything(staff_api)
    created = staff_api.post("/api/v1/goals/", {"plan": world.plan.code, "code": "9", "title_en": "Ports"},
                             format="json")
    assert created.status_code == 201, created.content
    staff_api.patch("/api/v1/goals/9/", {"order": 9, "version": 1}, format="json")
    deleted = staff_api.delete("/api/v1/goals/9/", {"version": 2}, format="json")
    assert deleted.status_code == 204, deleted.content
    entries = feed(staff_api, cursor)["results"]
    assert [(e["type"], e["key"], e["kind"]) for e in entries] == [
        ("goal", "9", "created"), ("goal", "9", "updated"), ("goal", "9", "deleted"),
    ]
    assert entries[1]["changed_fields"] == ["order", "version"]
    assert entries[2]["state"] is None


def test_the_update_workflow_is_a_sequence_of_transitions(world, focal_api, staff_api):
    _, cursor = everything(staff_api)
    url = f"/api/v1/updates/{world.draft_a.pk}/"
    focal_api.patch(url, {"version": 1, "values": [{"indicator": world.indicator1.pk, "value": 7}]}, format="json")
    focal_api.post(url + "submit/", {"version": 2}, format="json")
    approved = staff_api.post(url + "approve/", {"version": 3}, format="json")
    assert approved.status_code == 200, approved.content
    entries = of(feed(staff_api, cursor)["results"], "update", world.draft_a.pk)
    assert [e["kind"] for e in entries] == ["updated", "transition", "transition"]
    assert [e["transition"] for e in entries[1:]] == [
        {"field": "state", "from": "draft", "to": "submitted"},
        {"field": "state", "from": "submitted", "to": "approved"},
    ]
    assert entries[-1]["state"]["state"] == "approved" and entries[-1]["state"]["member"] == "member-a"


def test_another_members_drafts_never_appear(world, api, keys, reader_api):
    focal_a = everything(api(keys["focal_a"]))[0]
    focal_b = everything(api(keys["focal_b"]))[0]
    reader = everything(reader_api)[0]
    assert of(focal_a, "update", world.draft_a.pk) and not of(focal_a, "update", world.draft_b.pk)
    assert of(focal_b, "update", world.draft_b.pk) and not of(focal_b, "update", world.draft_a.pk)
    for entries in (focal_a, focal_b, reader):
        assert of(entries, "update", world.approved_a.pk)
    assert not [e for e in reader if e["type"] == "update" and e["state"]["state"] != "approved"]
    assert "Secret draft of B" not in str(focal_a) + str(reader)


def test_a_draft_stays_out_of_the_feed_after_approval_and_a_reopened_update_is_withdrawn(world, staff_api,
                                                                                      reader_api):
    from reporting import services

    update = world.submitted_b
    update.narrative = "Draft wording"
    update.save()
    _, before = everything(reader_api)
    services.update_approve(user=world_staff(), update=update)
    update.refresh_from_db()
    entries = feed(reader_api, before)["results"]
    assert [(e["kind"], e["state"]["state"]) for e in entries] == [("transition", "approved")]
    # Before approval, nothing of it reached the reader.
    assert not of(everything(reader_api)[0][:-1], "update", update.pk)
    update.state = "returned"
    update.reviewer_comment = "Reopened"
    update.save()
    withdrawn = feed(reader_api, entries[-1]["cursor"])["results"]
    assert [(e["kind"], e["key"], e["state"]) for e in withdrawn] == [("withdrawn", str(update.pk), None)]


def world_staff():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username="staff")


def test_a_change_that_rolls_back_never_appears(world, staff_api):
    _, cursor = everything(staff_api)
    with pytest.raises(RuntimeError), transaction.atomic():
        world.goal1.title_en = "Never saved"
        world.goal1.save()
        raise RuntimeError("rolled back")
    assert feed(staff_api, cursor)["results"] == []
    assert "Never saved" not in str(everything(staff_api)[0])


def test_replaying_from_any_cursor_gives_the_same_sequence(world, staff_api):
    full, _ = everything(staff_api, page_size=3)
    assert len(full) > 10
    assert [e["cursor"] for e in full] == [e["cursor"] for e in everything(staff_api, page_size=500)[0]]
    for i in (0, 4, len(full) - 2):
        replay = feed(staff_api, full[i]["cursor"], page_size=500)["results"]
        assert replay == full[i + 1:]


def test_the_end_of_the_feed_keeps_its_cursor_for_polling(world, staff_api):
    entries, cursor = everything(staff_api)
    page = feed(staff_api, cursor)
    assert page["results"] == [] and page["cursor"] == cursor and page["has_more"] is False
    assert f"after={cursor}" in page["next"]


@pytest.mark.parametrize("params", [{"after": "nonsense"}, {"after": ""}, {"after": "bXBjMTotNQ"},
                                    {"page_size": 0}, {"page_size": "x"}, {"page_size": 1001}, {"since": "1"}])
def test_bad_parameters_are_400_naming_them(world, staff_api, params):
    response = staff_api.get("/api/v1/changes/", params)
    assert response.status_code == 400
    assert set(response.json()["field_errors"]) == set(params)


def test_anonymous_is_401(world, api):
    assert api().get("/api/v1/changes/").status_code == 401


def test_every_synced_type_is_in_the_feed(world, staff_api):
    from reporting.models import Report

    Report.objects.create(plan=world.plan, kind="period", period=world.closed_period, as_of=world.closed_period.end)
    types = {entry["type"] for entry in everything(staff_api)[0]}
    assert {"plan", "goal", "action", "indicator", "member", "period", "update", "report"} <= types


def test_a_page_costs_the_same_queries_whatever_the_history(world, staff_api):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            feed(staff_api, page_size=5)
        return len(captured)

    queries()  # the first request of a token records its use
    few = queries()
    for number in range(30):
        f.MemberFactory(slug=f"extra-{number}")
    assert Change.objects.count() > 40
    assert queries() == few


def test_a_reports_build_steps_are_transitions_only_staff_see_until_it_is_done(world, staff_api, reader_api):
    from django.utils import timezone

    from reporting import report_services
    from reporting.models import Report

    report = Report.objects.create(plan=world.plan, kind="period", period=world.closed_period,
                                   as_of=world.closed_period.end)
    _, staff_cursor = everything(staff_api)
    _, reader_cursor = everything(reader_api)
    assert report_services._claim(report.pk, timezone.now())  # queued → running, by a conditional update
    [running] = feed(staff_api, staff_cursor)["results"]
    assert running["kind"] == "transition" and running["key"] == str(report.pk)
    assert running["transition"] == {"field": "state", "from": "queued", "to": "running"}
    assert feed(reader_api, reader_cursor)["results"] == []
    report.refresh_from_db()
    report.state = "done"
    report.save()
    [done] = feed(reader_api, reader_cursor)["results"]
    assert done["transition"] == {"field": "state", "from": "running", "to": "done"}


def test_a_save_that_changes_nothing_shown_records_nothing_and_a_change_only_its_fields(world, staff_api, cast):
    """The row as it was compares with the object as the ORM reads it, for
    every type the feed shows: dates, times, decimals with a fraction,
    booleans (SQLite stores them as text, numbers and integers)."""
    from decimal import Decimal

    from django.utils import timezone

    from reporting.models import Report

    world.indicator1.target = Decimal("12.35")
    world.indicator1.save()
    cast.member_a.latitude = Decimal("-33.869")
    cast.member_a.save()
    world.draft_a.submitted_at = timezone.now().replace(microsecond=123456)
    world.draft_a.save()
    report = Report.objects.create(plan=world.plan, kind="period", period=world.closed_period,
                                   as_of=world.closed_period.end, started_at=timezone.now())
    objects = [world.plan, world.goal1, world.action1, world.indicator1, world.period, world.draft_a,
               cast.member_a, report]
    _, cursor = everything(staff_api)
    for obj in objects:
        type(obj).objects.get(pk=obj.pk).save()
    assert feed(staff_api, cursor)["results"] == []

    for obj in objects:
        fresh = type(obj).objects.get(pk=obj.pk)
        fresh.modified = timezone.now()  # not a change of its own
        fresh.save()
    plan = type(world.plan).objects.get(pk=world.plan.pk)
    plan.end_date = plan.end_date + timezone.timedelta(days=1)
    plan.save()
    [entry] = feed(staff_api, cursor)["results"]
    assert (entry["type"], entry["changed_fields"]) == ("plan", ["end_date"])
    assert entry["state"]["end_date"] == plan.end_date.isoformat()
