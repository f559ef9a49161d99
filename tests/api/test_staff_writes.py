"""Secretariat staff write the plan, members and periods through the API: the
services' rules come back as 400s with field errors, writes are conflict-safe
(If-Match → 412, `version` → 409, neither → 428) and a refused write changes
nothing. The permission matrix (test_permissions.py) covers who may write."""

from decimal import Decimal

import pytest

from actions.models import Action, Goal, Indicator, Participation, SustainableDevelopmentGoal
from members.models import Member
from metroplan.testing import factories as f
from reporting.models import ReportingPeriod


@pytest.fixture
def staff_api(api, keys):
    return api(keys["staff"])


# --- conflict-safe writes, for every resource ---------------------------------------

RESOURCES = {
    "goal": (lambda w: f"/api/v1/goals/{w.goal1.code}/", {"title_en": "Changed"},
             lambda w: Goal.objects.get(pk=w.goal1.pk).title_en),
    "action": (lambda w: f"/api/v1/actions/{w.action1.code}/", {"status": "off_track"},
               lambda w: Action.objects.get(pk=w.action1.pk).status),
    "indicator": (lambda w: f"/api/v1/indicators/{w.indicator1.pk}/", {"target": "99"},
                  lambda w: Indicator.objects.get(pk=w.indicator1.pk).target),
    "member": (lambda w: "/api/v1/members/member-a/", {"source": "Corrected source"},
               lambda w: Member.objects.get(slug="member-a").source),
    "period": (lambda w: f"/api/v1/periods/{w.period.code}/", {"is_open": False},
               lambda w: ReportingPeriod.objects.get(pk=w.period.pk).is_open),
}


@pytest.mark.parametrize("resource", RESOURCES)
def test_patch_with_the_current_etag_saves_and_moves_the_etag(resource, world, staff_api):
    url, body, _stored = RESOURCES[resource]
    etag = staff_api.get(url(world))["ETag"]
    response = staff_api.patch(url(world), body, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 200, response.content
    assert response["ETag"] != etag
    assert response.json()["version"] == int(etag.strip('"').rsplit("-v", 1)[1]) + 1


@pytest.mark.parametrize("resource", RESOURCES)
def test_stale_if_match_is_412_and_changes_nothing(resource, world, staff_api):
    url, body, stored = RESOURCES[resource]
    old = staff_api.get(url(world))["ETag"]
    before = stored(world)
    # Someone else saves first.
    first = staff_api.patch(url(world), body, format="json", HTTP_IF_MATCH=old)
    assert first.status_code == 200
    after_first = stored(world)
    response = staff_api.patch(url(world), body, format="json", HTTP_IF_MATCH=old)
    assert response.status_code == 412
    assert response.json()["code"] == "precondition_failed"
    assert stored(world) == after_first != before


@pytest.mark.parametrize("resource", RESOURCES)
def test_stale_version_field_is_409_and_changes_nothing(resource, world, staff_api):
    url, body, stored = RESOURCES[resource]
    version = staff_api.get(url(world)).json()["version"]
    assert staff_api.patch(url(world), {**body, "version": version}, format="json").status_code == 200
    changed = stored(world)
    other = {"goal": {"title_en": "Again"}, "action": {"status": "completed"}, "indicator": {"target": "7"},
             "member": {"source": "Again"}, "period": {"is_open": True}}[resource]
    response = staff_api.patch(url(world), {**other, "version": version}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert stored(world) == changed


@pytest.mark.parametrize("resource", RESOURCES)
def test_a_write_without_a_version_is_428_and_changes_nothing(resource, world, staff_api):
    url, body, stored = RESOURCES[resource]
    before = stored(world)
    response = staff_api.patch(url(world), body, format="json")
    assert response.status_code == 428
    assert stored(world) == before


# --- validation: the services' rules, as 400 with field errors -------------------------


def _refused(response, field):
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid" and field in body["field_errors"], body
    return body


def test_duplicate_codes_are_400_and_create_nothing(world, staff_api):
    counts = (Goal.objects.count(), Action.objects.count(), Indicator.objects.count(),
              ReportingPeriod.objects.count(), Member.objects.count())
    _refused(staff_api.post("/api/v1/goals/", {"code": "1", "title_en": "Again"}, format="json"), "code")
    _refused(staff_api.post("/api/v1/actions/", {"goal": "2", "code": "1.1", "title_en": "Again",
                                                 "start_date": "2021-01-01", "end_date": "2021-12-31"},
                            format="json"), "code")
    _refused(staff_api.post("/api/v1/indicators/", {"action": "1.1", "code": "1.1.a", "name_en": "Again",
                                                    "unit": "u", "baseline": 0, "target": 1}, format="json"), "code")
    _refused(staff_api.post("/api/v1/periods/", {"code": "2022-Q1", "start": "2022-04-01", "end": "2022-06-30"},
                            format="json"), "code")
    region = world.draft_a.member.region.slug
    _refused(staff_api.post("/api/v1/members/", {"slug": "member-a", "name": "A", "country": "Spain",
                                                 "country_code": "ES", "region": region, "latitude": 1,
                                                 "longitude": 1}, format="json"), "slug")
    assert counts == (Goal.objects.count(), Action.objects.count(), Indicator.objects.count(),
                      ReportingPeriod.objects.count(), Member.objects.count())


def test_renaming_to_a_taken_code_is_400_and_changes_nothing(world, staff_api):
    response = staff_api.patch(f"/api/v1/goals/{world.goal2.code}/", {"code": "1", "version": 1}, format="json")
    _refused(response, "code")
    world.goal2.refresh_from_db()
    assert world.goal2.code == "2" and world.goal2.version == 1


def test_target_equal_to_baseline_is_400(world, staff_api):
    url = f"/api/v1/indicators/{world.indicator1.pk}/"
    body = _refused(staff_api.patch(url, {"target": "0", "version": 1}, format="json"), "target")
    assert "baseline" in body["field_errors"]["target"][0]
    world.indicator1.refresh_from_db()
    assert world.indicator1.target == Decimal("10") and world.indicator1.version == 1
    _refused(staff_api.post("/api/v1/indicators/", {"action": "1.1", "code": "1.1.q", "name_en": "Flat",
                                                    "unit": "u", "baseline": 5, "target": 5}, format="json"),
             "target")


def test_end_before_start_is_400(world, staff_api):
    response = staff_api.patch(f"/api/v1/actions/{world.action1.code}/",
                               {"start_date": "2023-01-01", "end_date": "2022-01-01", "version": 1}, format="json")
    _refused(response, "end_date")
    world.action1.refresh_from_db()
    assert world.action1.version == 1
    _refused(staff_api.post("/api/v1/periods/", {"code": "2022-Q9", "start": "2022-06-01", "end": "2022-04-01"},
                            format="json"), "end")
    _refused(staff_api.patch(f"/api/v1/periods/{world.period.code}/", {"deadline": "2022-01-01", "version": 1},
                             format="json"), "deadline")


@pytest.mark.parametrize(
    "url,body,field",
    [
        ("/api/v1/actions/1.1/", {"members": ["nowhere"], "version": 1}, "members"),
        ("/api/v1/actions/1.1/", {"lead": "focal_a", "version": 1}, "lead"),
        ("/api/v1/actions/1.1/", {"lead": "nobody-at-all", "version": 1}, "lead"),
        ("/api/v1/actions/1.1/", {"goal": "77", "version": 1}, "goal"),
        ("/api/v1/actions/1.1/", {"sdgs": [18], "version": 1}, "sdgs"),
        ("/api/v1/actions/1.1/", {"status": "great", "version": 1}, "status"),
        ("/api/v1/actions/1.1/", {"weight": 0, "version": 1}, "weight"),
        ("/api/v1/actions/1.1/", {"weight": 101, "version": 1}, "weight"),
        ("/api/v1/goals/1/", {"title_en": "", "version": 1}, "title_en"),
        ("/api/v1/members/member-a/", {"latitude": "91", "version": 1}, "latitude"),
        ("/api/v1/members/member-a/", {"country_code": "E1", "version": 1}, "country_code"),
        ("/api/v1/members/member-a/", {"confidence": "sure", "version": 1}, "confidence"),
        ("/api/v1/members/member-a/", {"time_zone": "Mars/Olympus", "version": 1}, "time_zone"),
        ("/api/v1/members/member-a/", {"region": "atlantis", "version": 1}, "region"),
        ("/api/v1/periods/2022-Q1/", {"start": "soon", "version": 1}, "start"),
        ("/api/v1/goals/1/", {"title_en": "x", "version": "one"}, "version"),
    ],
)
def test_bad_fields_are_400_naming_the_field(url, body, field, world, staff_api):
    if body.get("lead") == "focal_a":
        body = {**body, "lead": world.draft_a.member.focal_points.first().user.username}
    _refused(staff_api.patch(url, body, format="json"), field)


def test_put_needs_every_field(world, staff_api):
    response = staff_api.put(f"/api/v1/goals/{world.goal1.code}/", {"title_en": "x", "version": 1}, format="json")
    body = _refused(response, "code")
    assert {"order", "sdgs", "retired"} <= set(body["field_errors"])


# --- what the writes do ---------------------------------------------------------------


def test_staff_set_an_actions_participants_sdgs_lead_and_status(world, cast, staff_api):
    other = f.MemberFactory(slug="valencia")
    SustainableDevelopmentGoal.objects.get_or_create(number=13, defaults={"name": "Climate action"})
    response = staff_api.patch(
        f"/api/v1/actions/{world.action2.code}/",
        {"members": ["member-a", "valencia"], "sdgs": [11, 13], "lead": cast.staff.username, "status": "completed",
         "version": world.action2.version},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["members"] == ["member-a", "valencia"]
    assert body["sdgs"] == [11, 13] and body["lead"] == cast.staff.username and body["status"] == "completed"
    assert body["version"] == world.action2.version + 1
    assert set(Participation.objects.filter(action=world.action2).values_list("member__slug", flat=True)) == {
        "member-a", other.slug,
    }
    # One change, one history record, stamped with the staff user.
    record = Action.history.filter(id=world.action2.pk).order_by("-history_date").first()
    assert record.history_user == cast.staff and record.status == "completed"


def test_creating_an_action_answers_201_with_its_etag_and_location_in_the_plan(world, staff_api):
    response = staff_api.post(
        "/api/v1/actions/",
        {"goal": "2", "code": "2.5", "title_en": "Cooling centres", "start_date": "2022-01-01",
         "end_date": "2023-06-30", "members": ["member-b"], "sdgs": [11]},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["code"] == "2.5" and body["goal"] == "2" and body["members"] == ["member-b"]
    assert body["status"] == "not_started" and body["progress"] == 0.0
    assert response["ETag"] == f'"action-{Action.objects.get(code="2.5").pk}-v1"'
    assert staff_api.get("/api/v1/actions/2.5/").status_code == 200


def test_a_goal_is_created_in_the_plan_named_in_the_body(world, staff_api):
    other_plan = f.PlanFactory(code="2024-2026", is_current=False)
    response = staff_api.post("/api/v1/goals/", {"plan": "2024-2026", "code": "1", "title_en": "Next"},
                              format="json")
    assert response.status_code == 201, response.content
    assert response.json()["plan"] == "2024-2026"
    assert Goal.objects.filter(plan=other_plan, code="1").exists()
    assert staff_api.get("/api/v1/goals/1/?plan=2024-2026").json()["title"] == "Next"


def test_an_indicator_gets_milestones_and_they_stay_inside_the_actions_dates(world, staff_api):
    url = f"/api/v1/indicators/{world.indicator1.pk}/"
    ok = staff_api.patch(url, {"milestones": [{"year": 2022, "value": "4"}], "version": 1}, format="json")
    assert ok.status_code == 200, ok.content
    assert ok.json()["milestones"] == [{"year": 2022, "value": "4.00"}]
    outside = staff_api.patch(url, {"milestones": [{"year": 2030, "value": "9"}], "version": 2}, format="json")
    _refused(outside, "milestones")
    twice = staff_api.patch(url, {"milestones": [{"year": 2022, "value": "1"}, {"year": 2022, "value": "2"}],
                                  "version": 2}, format="json")
    _refused(twice, "milestones")


def test_retiring_an_action_through_patch(world, staff_api):
    response = staff_api.patch(f"/api/v1/actions/{world.action2.code}/", {"retired": True, "version": 1},
                               format="json")
    assert response.status_code == 200
    assert response.json()["retired"] is True
    world.action2.refresh_from_db()
    assert world.action2.retired and world.action2.version == 2


def test_staff_correct_a_members_provenance_with_history(world, cast, staff_api):
    response = staff_api.patch(
        "/api/v1/members/member-a/",
        {"confidence": "sourced-older", "source": "Annual report 2018", "membership_type": "associate",
         "latitude": "40.000", "longitude": "-3.700", "version": 1},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["confidence"] == "sourced-older" and body["source"] == "Annual report 2018"
    assert body["membership_type"] == "associate" and body["latitude"] == "40.000" and body["version"] == 2
    assert response["ETag"] == f'"member-{cast.member_a.pk}-v2"'
    record = Member.history.filter(id=cast.member_a.pk).order_by("-history_date").first()
    assert record.history_user == cast.staff and record.source == "Annual report 2018" and record.version == 2


def test_staff_close_a_period_and_move_its_deadline(world, staff_api):
    url = f"/api/v1/periods/{world.period.code}/"
    response = staff_api.patch(url, {"is_open": False, "deadline": "2022-05-31", "version": 1}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["is_open"] is False and response.json()["deadline"] == "2022-05-31"
    world.period.refresh_from_db()
    assert not world.period.is_open and world.period.version == 2
    created = staff_api.post("/api/v1/periods/", {"code": "2022-Q2", "start": "2022-04-01", "end": "2022-06-30"},
                             format="json")
    assert created.status_code == 201
    assert created.json()["deadline"] == "2022-07-30"  # 30 days after the end by default


# --- deleting: only what carries no reported progress -------------------------------


def test_deleting_a_goal_with_actions_is_409_and_deletes_nothing(world, staff_api):
    response = staff_api.delete(f"/api/v1/goals/{world.goal1.code}/", {"version": 1}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "has_progress"
    assert Goal.objects.filter(pk=world.goal1.pk).exists()


def test_deleting_an_action_with_updates_is_409_and_deletes_nothing(world, staff_api):
    response = staff_api.delete(f"/api/v1/actions/{world.action1.code}/", {"version": 1}, format="json")
    assert response.status_code == 409
    assert "retired" in response.json()["message"]
    assert Action.objects.filter(pk=world.action1.pk).exists()


def test_deleting_an_indicator_with_values_is_409(world, staff_api):
    response = staff_api.delete(f"/api/v1/indicators/{world.indicator1.pk}/", {"version": 1}, format="json")
    assert response.status_code == 409
    assert Indicator.objects.filter(pk=world.indicator1.pk).exists()


def test_deleting_needs_the_version_and_a_stale_one_is_refused(world, staff_api):
    goal = f.GoalFactory(plan=world.plan, code="8")
    url = f"/api/v1/goals/{goal.code}/"
    assert staff_api.delete(url).status_code == 428
    assert staff_api.delete(url, HTTP_IF_MATCH=f'"goal-{goal.pk}-v0"').status_code == 412
    assert staff_api.delete(url, {"version": 5}, format="json").status_code == 409
    assert Goal.objects.filter(pk=goal.pk).exists()
    assert staff_api.delete(url, HTTP_IF_MATCH=staff_api.get(url)["ETag"]).status_code == 204
    assert not Goal.objects.filter(pk=goal.pk).exists()
    assert staff_api.get(url).status_code == 404


def test_staff_set_how_an_indicator_adds_up_and_its_measure_rules_are_checked(world, staff_api):
    url = f"/api/v1/indicators/{world.indicator1.pk}/"
    share = staff_api.patch(url, {"across": "share", "version": 1}, format="json")
    _refused(share, "threshold")  # a share of members reaching what?
    scale = staff_api.patch(url, {"measure": "qualitative", "scale": ["started"], "version": 1}, format="json")
    _refused(scale, "scale")
    ok = staff_api.patch(url, {"across": "share", "threshold": "5", "over_time": "latest", "carry_forward": 2,
                               "measure": "percentage", "decimals": 1, "version": 1}, format="json")
    assert ok.status_code == 200, ok.content
    body = ok.json()
    assert (body["across"], body["threshold"], body["over_time"], body["carry_forward"], body["measure"],
            body["decimals"]) == ("share", "5.00", "latest", 2, "percentage", 1)
    assert staff_api.patch(url, {"carry_forward": -1, "version": 2}, format="json").status_code == 400
