"""Writing updates through the API: drafts with indicator values, the workflow
transitions, and conflict-safe writes (If-Match → 412, `version` → 409, neither
→ 428), with nothing changed by a refused write."""

from decimal import Decimal

import pytest

from metroplan.testing import factories as f
from reporting.models import IndicatorValue, ProgressUpdate


def test_focal_point_creates_a_draft_with_values_for_its_own_member(world, focal_api):
    world.indicator2.measure = "percentage"
    world.indicator2.save(update_fields=["measure"])
    response = focal_api.post(
        "/api/v1/updates/",
        {
            "action": "2.1", "period": "2022-Q1", "narrative": "Heat plans drafted", "status": "on_track",
            "values": [{"indicator": world.indicator2.pk, "value": "42.5"}],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["member"] == "member-a" and body["state"] == "draft" and body["version"] == 1
    assert body["values"][0]["value"] == "42.50"
    assert response["ETag"] == f'"progressupdate-{body["id"]}-v1"'


def test_creating_an_update_that_exists_is_a_conflict(world, focal_api):
    response = focal_api.post("/api/v1/updates/", {"action": "1.1", "period": "2022-Q1"}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "exists"


def test_creating_for_another_member_is_403_and_writes_nothing(world, focal_api):
    before = ProgressUpdate.objects.count()
    response = focal_api.post(
        "/api/v1/updates/", {"member": "member-b", "action": "2.1", "period": "2021-Q4"}, format="json"
    )
    assert response.status_code == 403
    assert ProgressUpdate.objects.count() == before


@pytest.mark.parametrize(
    "body,field",
    [
        ({"action": "9.9", "period": "2022-Q1"}, "action"),
        ({"action": "2.1", "period": "1999-Q1"}, "period"),
        ({"action": "2.1", "period": "2022-Q1", "status": "great"}, "status"),
        ({"action": "2.1", "period": "2022-Q1", "narrative": 5}, None),
        ({"action": "2.1", "period": "2022-Q1", "values": [{"indicator": "x"}]}, "values"),
        ({"action": "2.1", "period": "2022-Q1", "values": [{"indicator": 1, "value": "lots"}]}, "values"),
        ({"action": "2.1", "period": "2022-Q1", "values": [{"indicator": 1, "not_available": True}]}, "values"),
        ({"action": "2.1", "period": "2022-Q1", "values": "12"}, "values"),
        ({"action": "2.1"}, "period"),
        ({"action": ["2.1"], "period": "2022-Q1"}, "action"),
        ({"member": "nobody", "action": "2.1", "period": "2022-Q1"}, "member"),
    ],
)
def test_bad_input_on_create_is_400_with_field_errors_and_writes_nothing(body, field, world, focal_api):
    before = ProgressUpdate.objects.count()
    response = focal_api.post("/api/v1/updates/", body, format="json")
    if field is None:  # a number where text is expected is read as text
        assert response.status_code == 201
        return
    assert response.status_code == 400, response.content
    assert field in response.json()["field_errors"]
    assert ProgressUpdate.objects.count() == before


def test_a_value_for_an_indicator_of_another_action_is_400(world, focal_api):
    response = focal_api.post(
        "/api/v1/updates/",
        {"action": "2.1", "period": "2022-Q1", "values": [{"indicator": world.indicator1.pk, "value": 3}]},
        format="json",
    )
    assert response.status_code == 400
    assert f"indicator_{world.indicator1.pk}" in response.json()["field_errors"]
    assert not ProgressUpdate.objects.filter(member=world.draft_a.member, action=world.action2,
                                             period=world.period).exists()


def test_not_available_needs_a_reason_and_is_stored_as_such(world, focal_api):
    response = focal_api.patch(
        f"/api/v1/updates/{world.draft_a.pk}/",
        {"version": 1, "values": [{"indicator": world.indicator1.pk, "not_available": True, "reason": "No survey"}]},
        format="json",
    )
    assert response.status_code == 200, response.content
    value = IndicatorValue.objects.get(update=world.draft_a)
    assert value.value is None and value.not_available and value.not_available_reason == "No survey"


def test_patch_with_current_if_match_saves_and_bumps_the_etag(world, focal_api):
    url = f"/api/v1/updates/{world.draft_a.pk}/"
    etag = focal_api.get(url)["ETag"]
    response = focal_api.patch(url, {"narrative": "Better"}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 200
    assert response.json()["narrative"] == "Better" and response.json()["status"] == "on_track"
    assert response["ETag"] != etag
    assert response["ETag"] == f'"progressupdate-{world.draft_a.pk}-v2"'


def test_stale_if_match_is_412_and_changes_nothing(world, focal_api, staff_api):
    url = f"/api/v1/updates/{world.draft_a.pk}/"
    old_etag = focal_api.get(url)["ETag"]
    assert staff_api.patch(url, {"narrative": "Staff edit"}, format="json", HTTP_IF_MATCH=old_etag).status_code == 200
    response = focal_api.patch(url, {"narrative": "Late edit"}, format="json", HTTP_IF_MATCH=old_etag)
    assert response.status_code == 412
    assert response.json()["code"] == "precondition_failed"
    world.draft_a.refresh_from_db()
    assert world.draft_a.narrative == "Staff edit" and world.draft_a.version == 2


def test_stale_version_field_is_409_and_changes_nothing(world, focal_api):
    url = f"/api/v1/updates/{world.draft_a.pk}/"
    assert focal_api.patch(url, {"narrative": "One", "version": 1}, format="json").status_code == 200
    response = focal_api.patch(url, {"narrative": "Two", "version": 1}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    world.draft_a.refresh_from_db()
    assert world.draft_a.narrative == "One"


def test_stale_if_match_on_a_transition_is_412(world, staff_api):
    url = f"/api/v1/updates/{world.submitted_b.pk}/"
    etag = staff_api.get(url)["ETag"]
    world.submitted_b.version += 1
    world.submitted_b.save()
    response = staff_api.post(url + "approve/", {}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 412
    world.submitted_b.refresh_from_db()
    assert world.submitted_b.state == "submitted"


def test_a_write_without_a_version_is_428(world, focal_api):
    response = focal_api.patch(f"/api/v1/updates/{world.draft_a.pk}/", {"narrative": "x"}, format="json")
    assert response.status_code == 428
    assert response.json()["code"] == "precondition_required"


@pytest.mark.parametrize("header", ["v1", '"unterminated', "1, 2", 'W/"x" "y"'])
def test_malformed_if_match_is_400_naming_the_header(header, world, focal_api):
    response = focal_api.patch(
        f"/api/v1/updates/{world.draft_a.pk}/", {"narrative": "x"}, format="json", HTTP_IF_MATCH=header
    )
    assert response.status_code == 400
    assert "If-Match" in response.json()["field_errors"]


def test_if_match_of_another_object_is_412(world, focal_api, staff_api):
    other = staff_api.get(f"/api/v1/updates/{world.approved_a.pk}/")["ETag"]
    response = focal_api.patch(f"/api/v1/updates/{world.draft_a.pk}/", {"narrative": "x"}, format="json",
                               HTTP_IF_MATCH=other)
    assert response.status_code == 412


def test_put_replaces_the_values(world, focal_api):
    f.IndicatorValueFactory(update=world.draft_a, indicator=world.indicator1, value=Decimal("3"))
    response = focal_api.put(
        f"/api/v1/updates/{world.draft_a.pk}/",
        {"narrative": "Rewritten", "status": "at_risk", "no_change": False, "values": [], "version": 1},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["values"] == [] and response.json()["status"] == "at_risk"


def test_put_needs_every_field(world, focal_api):
    response = focal_api.put(f"/api/v1/updates/{world.draft_a.pk}/", {"narrative": "x", "version": 1}, format="json")
    assert response.status_code == 400
    assert {"status", "no_change", "values"} <= set(response.json()["field_errors"])


def test_the_whole_workflow_save_submit_return_resubmit_approve(world, focal_api, staff_api):
    url = f"/api/v1/updates/{world.draft_a.pk}/"
    # An incomplete update cannot be submitted: the missing indicator is named.
    response = focal_api.post(url + "submit/", {"version": 1}, format="json")
    assert response.status_code == 400
    assert f"indicator_{world.indicator1.pk}" in response.json()["field_errors"]
    saved = focal_api.patch(url, {"version": 1, "values": [{"indicator": world.indicator1.pk, "value": 7}]},
                            format="json")
    submitted = focal_api.post(url + "submit/", {}, format="json", HTTP_IF_MATCH=saved["ETag"])
    assert submitted.status_code == 200 and submitted.json()["state"] == "submitted"
    # A submitted update waits for review: its member cannot change it.
    blocked = focal_api.patch(url, {"narrative": "x"}, format="json", HTTP_IF_MATCH=submitted["ETag"])
    assert blocked.status_code == 409 and blocked.json()["code"] == "submitted"
    # Returning needs a comment.
    no_comment = staff_api.post(url + "return/", {"version": 3}, format="json")
    assert no_comment.status_code == 400 and "comment" in no_comment.json()["field_errors"]
    returned = staff_api.post(url + "return/", {"version": 3, "comment": "Add the source"}, format="json")
    assert returned.status_code == 200
    assert returned.json()["state"] == "returned" and returned.json()["reviewer_comment"] == "Add the source"
    resubmitted = focal_api.post(url + "submit/", {"version": 4}, format="json")
    assert resubmitted.json()["state"] == "submitted"
    approved = staff_api.post(url + "approve/", {"version": 5}, format="json")
    assert approved.status_code == 200 and approved.json()["state"] == "approved"
    assert approved.json()["reviewed_by"] == "staff"
    # Approving twice is a state conflict, and the approved update is closed.
    again = staff_api.post(url + "approve/", {"version": 6}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"
    closed = focal_api.patch(url, {"narrative": "x", "version": 6}, format="json")
    assert closed.status_code == 409 and closed.json()["code"] == "approved"


def test_submitting_in_a_closed_period_is_a_conflict(world, focal_api):
    update = f.ProgressUpdateFactory(member=world.draft_a.member, action=world.action2, period=world.closed_period)
    f.IndicatorValueFactory(update=update, indicator=world.indicator2)
    response = focal_api.post(f"/api/v1/updates/{update.pk}/submit/", {"version": 1}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "period_closed"
    update.refresh_from_db()
    assert update.state == "draft"


def test_wrong_types_are_400(world, focal_api):
    url = f"/api/v1/updates/{world.draft_a.pk}/"
    for body in ({"version": "one"}, {"version": 0}, {"no_change": "perhaps", "version": 1},
                 {"values": {"a": 1}, "version": 1}):
        response = focal_api.patch(url, body, format="json")
        assert response.status_code == 400, body
        assert response.json()["code"] == "invalid"


def test_a_body_that_is_not_json_is_400_or_415(world, focal_api):
    url = f"/api/v1/updates/{world.draft_a.pk}/"
    assert focal_api.generic("PATCH", url, "{not json", content_type="application/json").status_code == 400
    assert focal_api.generic("PATCH", url, "narrative=x", content_type="text/plain").status_code == 415


def test_staff_ask_for_a_report(world, staff_api, fake_reports):
    response = staff_api.post("/api/v1/reports/", {"kind": "period", "period": "2021-Q4"}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["kind"] == "period" and response.json()["period"] == "2021-Q4"
    assert fake_reports[0]["plan"] == world.plan
    again = staff_api.post("/api/v1/reports/", {"kind": "period", "period": "2021-Q4"}, format="json")
    assert again.status_code == 200 and again.json()["id"] == response.json()["id"]
    bad = staff_api.post("/api/v1/reports/", {"kind": "weekly", "period": "2021-Q4"}, format="json")
    assert bad.status_code == 400 and "kind" in bad.json()["field_errors"]


def test_broker_down_when_asking_for_a_report_is_503_with_retry_after(world, staff_api, fake_reports, monkeypatch):
    import sys

    from metroplan.services import ServiceError

    def broken(**kwargs):
        raise ServiceError("The task queue is unavailable.", code="broker_unavailable")

    monkeypatch.setattr(sys.modules["reporting.report_services"], "report_request", broken)
    response = staff_api.post("/api/v1/reports/", {"kind": "period", "period": "2021-Q4"}, format="json")
    assert response.status_code == 503
    assert response.json()["code"] == "broker_unavailable"
    assert int(response["Retry-After"]) > 0
