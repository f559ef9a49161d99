"""Every list and detail: shape, filters, ordering, search, pagination, CSV, and
that a focal point never learns of another member's drafts."""

import csv
import io

import pytest

from metroplan.testing import factories as f
from metroplan.testing.files import response_bytes as body

LISTS = ["plans", "goals", "actions", "indicators", "members", "regions", "periods", "updates", "reports"]


@pytest.fixture
def staff_api(api, keys):
    return api(keys["staff"])



def results(response):
    assert response.status_code == 200, response.content[:400]
    return response.json()["results"]


@pytest.mark.parametrize("name", LISTS)
def test_every_list_is_paginated_with_count_next_previous(name, world, staff_api, fake_reports):
    body = staff_api.get(f"/api/v1/{name}/").json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == len(body["results"])


@pytest.mark.parametrize("name", LISTS)
def test_every_list_downloads_as_csv_with_the_same_rows(name, world, staff_api):
    as_json = staff_api.get(f"/api/v1/{name}/").json()
    response = staff_api.get(f"/api/v1/{name}/", {"format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment")
    rows = list(csv.DictReader(io.StringIO(body(response).decode())))
    assert len(rows) == as_json["count"]


def test_csv_keeps_the_filters(world, staff_api):
    response = staff_api.get("/api/v1/actions/", {"format": "csv", "status": "at_risk"})
    rows = list(csv.DictReader(io.StringIO(body(response).decode())))
    assert [row["code"] for row in rows] == ["2.1"]


def test_csv_neutralises_spreadsheet_formulas(world, staff_api):
    world.approved_a.narrative = "=HYPERLINK(\"http://evil\")"
    world.approved_a.save()
    response = staff_api.get("/api/v1/updates/", {"format": "csv", "member": "member-a", "state": "approved"})
    rows = list(csv.DictReader(io.StringIO(body(response).decode())))
    assert rows[0]["narrative"].startswith("'=")


def test_errors_stay_json_when_csv_is_asked_for(world, staff_api):
    response = staff_api.get("/api/v1/actions/", {"format": "csv", "status": "nonsense"})
    assert response.status_code == 400
    assert response.json()["field_errors"] == {"status": [pytest.approx(response.json()["field_errors"]["status"][0])]}


def test_pagination_next_previous_and_page_size(world, staff_api):
    first = staff_api.get("/api/v1/members/", {"page_size": 1, "ordering": "slug"}).json()
    assert first["count"] == 2 and first["previous"] is None
    assert first["results"][0]["slug"] == "member-a"
    second = staff_api.get(first["next"]).json()
    assert second["results"][0]["slug"] == "member-b" and second["next"] is None


@pytest.mark.parametrize(
    "params,field",
    [
        ({"page_size": 501}, "page_size"),
        ({"page_size": 10**12}, "page_size"),
        ({"page_size": 0}, "page_size"),
        ({"page_size": "ten"}, "page_size"),
        ({"page": "first"}, "page"),
        ({"page": -1}, "page"),
        ({"status": "finished"}, "status"),
        ({"goal": "99"}, "goal"),
        ({"member": "no-such-member"}, "member"),
        ({"sdg": "eleven"}, "sdg"),
        ({"sdg": "18"}, "sdg"),
        ({"lead": "nobody"}, "lead"),
        ({"retired": "maybe"}, "retired"),
        ({"ordering": "secret_field"}, "ordering"),
        ({"plan": "1999-2000"}, "plan"),
        ({"colour": "blue"}, "colour"),
        ({"format": "xml"}, "format"),
    ],
)
def test_bad_list_parameters_are_400_naming_the_parameter(params, field, world, staff_api):
    response = staff_api.get("/api/v1/actions/", params)
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid"
    assert field in body["field_errors"]


def test_a_page_past_the_end_is_404(world, staff_api):
    response = staff_api.get("/api/v1/actions/", {"page": 99})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_a_repeated_single_valued_filter_is_400(world, staff_api):
    response = staff_api.get("/api/v1/actions/?goal=1&goal=2")
    assert response.status_code == 400
    assert "goal" in response.json()["field_errors"]


def test_unknown_query_parameter_on_a_detail_is_400(world, staff_api):
    response = staff_api.get("/api/v1/actions/1.1/", {"status": "at_risk"})
    assert response.status_code == 400
    assert "status" in response.json()["field_errors"]


# --- plan, goals, actions, indicators --------------------------------------------------


def test_plans_carry_progress_computed_from_approved_values(world, staff_api):
    (plan,) = results(staff_api.get("/api/v1/plans/"))
    assert plan["code"] == "2021-2023"
    # action 1.1: indicator 5 of 10 → 0.5; action 2.1: no approved value → 0. Mean 0.25.
    assert plan["progress"] == pytest.approx(0.25)
    assert plan["goal_count"] == 2 and plan["action_count"] == 2


def test_goal_detail_by_code_with_progress(world, staff_api):
    response = staff_api.get("/api/v1/goals/1/")
    assert response.status_code == 200
    assert response.json()["progress"] == pytest.approx(0.5)
    assert response.json()["action_count"] == 1


def test_actions_filters(world, staff_api):
    def codes(**params):
        return [row["code"] for row in results(staff_api.get("/api/v1/actions/", params))]

    assert codes() == ["1.1", "2.1"]
    assert codes(goal="2") == ["2.1"]
    assert codes(status="at_risk") == ["2.1"]
    assert codes(status=["at_risk", "on_track"]) == ["1.1", "2.1"]
    assert codes(member="member-a") == ["1.1", "2.1"]
    assert codes(sdg=11) == ["1.1"]
    assert codes(lead="staff") == ["1.1"]
    assert codes(search="heat") == ["2.1"]
    assert codes(ordering="-code") == ["2.1", "1.1"]
    assert codes(ordering="-progress") == ["1.1", "2.1"]


def test_action_detail_by_dotted_code_with_figures_and_etag(world, staff_api):
    response = staff_api.get("/api/v1/actions/1.1/")
    assert response.status_code == 200
    body = response.json()
    assert body["progress"] == pytest.approx(0.5)
    assert body["members"] == ["member-a", "member-b"]
    assert body["sdgs"] == [11] and body["lead"] == "staff" and body["indicator_count"] == 1
    assert response["ETag"] == f'"action-{world.action1.pk}-v{world.action1.version}"'


def test_resources_of_another_plan_need_the_plan_parameter(world, staff_api):
    old = f.PlanFactory(code="2018-2020", is_current=False, start_date="2018-01-01", end_date="2020-12-31")
    f.ActionFactory(goal=f.GoalFactory(plan=old, code="1"), code="1.1", title="Old action")
    assert results(staff_api.get("/api/v1/actions/"))[0]["title"] == "Issue papers"
    old_rows = results(staff_api.get("/api/v1/actions/", {"plan": "2018-2020"}))
    assert [row["title"] for row in old_rows] == ["Old action"]
    assert staff_api.get("/api/v1/actions/1.1/", {"plan": "2018-2020"}).json()["title"] == "Old action"


def test_indicators_carry_latest_approved_value_and_progress(world, staff_api):
    rows = results(staff_api.get("/api/v1/indicators/", {"action": "1.1"}))
    assert [(row["code"], row["latest_value"], row["progress"]) for row in rows] == [("1.1.a", "5.00", 0.5)]
    assert results(staff_api.get("/api/v1/indicators/", {"goal": "2"}))[0]["code"] == "2.1.a"


# --- members, regions, periods ---------------------------------------------------------


def test_members_filters_and_detail(world, staff_api):
    f.MemberFactory(slug="member-c", name="Member C", country_code="FR", membership_type="associate")

    def slugs(**params):
        return [row["slug"] for row in results(staff_api.get("/api/v1/members/", params))]

    assert slugs(country="FR") == ["member-c"]
    assert slugs(country="es") == ["member-a", "member-b"]
    assert slugs(membership_type="associate") == ["member-c"]
    region = world.draft_a.member.region.slug
    assert slugs(region=region) == ["member-a"]
    assert slugs(search="member-b") == ["member-b"]
    assert slugs(ordering="-name") == ["member-c", "member-b", "member-a"]
    detail = staff_api.get("/api/v1/members/member-a/")
    assert detail.status_code == 200 and detail["ETag"].startswith('"member-')


def test_members_carry_compliance_in_the_latest_due_period(world, staff_api):
    rows = {row["slug"]: row["compliance"] for row in results(staff_api.get("/api/v1/members/"))}
    # 2022-Q1's deadline has passed: A submitted nothing on two actions; B submitted 2.1 (on time).
    assert rows["member-a"]["period"] == "2022-Q1"
    assert rows["member-a"]["expected"] == 2 and rows["member-a"]["missing"] == 2
    assert rows["member-b"]["on_time"] == 1 and rows["member-b"]["rate"] == pytest.approx(0.5)


def test_regions_list_with_member_counts(world, staff_api):
    rows = results(staff_api.get("/api/v1/regions/", {"ordering": "name"}))
    assert sum(row["member_count"] for row in rows) == 2


def test_periods_detail_has_compliance(world, staff_api):
    rows = results(staff_api.get("/api/v1/periods/", {"is_open": "false"}))
    assert [row["code"] for row in rows] == ["2021-Q4"]
    detail = staff_api.get("/api/v1/periods/2022-Q1/").json()
    assert detail["compliance"]["expected"] == 4 and detail["compliance"]["on_time"] == 1


# --- updates ---------------------------------------------------------------------------


def test_updates_filters(world, staff_api, cast):
    def ids(**params):
        return sorted(row["id"] for row in results(staff_api.get("/api/v1/updates/", params)))

    w = world
    assert ids(member="member-b") == sorted([w.approved_b.pk, w.draft_b.pk, w.submitted_b.pk])
    assert ids(action="2.1") == sorted([w.approved_b.pk, w.submitted_b.pk])
    assert ids(period="2021-Q4") == sorted([w.approved_a.pk, w.approved_b.pk])
    assert ids(state="approved") == sorted([w.approved_a.pk, w.approved_b.pk])
    assert ids(state=["draft", "submitted"]) == sorted([w.draft_a.pk, w.draft_b.pk, w.submitted_b.pk])
    assert ids(submitted_after="2022-03-01T00:00:00Z") == [w.submitted_b.pk]
    assert ids(submitted_before="2022-01-01T00:00:00Z") == sorted([w.approved_a.pk, w.approved_b.pk])
    assert ids(search="Secret") == [w.draft_b.pk]
    assert staff_api.get("/api/v1/updates/", {"submitted_after": "last tuesday"}).status_code == 400
    assert staff_api.get("/api/v1/updates/", {"state": "published"}).status_code == 400


def test_update_detail_carries_values_and_timeliness(world, staff_api):
    response = staff_api.get(f"/api/v1/updates/{world.approved_a.pk}/")
    body = response.json()
    assert body["values"] == [
        {"indicator": world.indicator1.pk, "indicator_code": "1.1.a", "value": "5.00", "not_available": False,
         "reason": "", "women": None, "men": None, "sex_other": None, "youth": None, "age_other": None}
    ]
    assert body["timeliness"] == "on_time"
    assert response["ETag"] == f'"progressupdate-{world.approved_a.pk}-v{world.approved_a.version}"'


def test_if_none_match_gives_304(world, staff_api):
    etag = staff_api.get(f"/api/v1/updates/{world.approved_a.pk}/")["ETag"]
    response = staff_api.get(f"/api/v1/updates/{world.approved_a.pk}/", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304


def test_a_focal_point_never_learns_of_another_members_drafts(world, api, keys):
    client = api(keys["focal_a"])
    w = world
    visible = {row["id"] for row in results(client.get("/api/v1/updates/", {"page_size": 500}))}
    assert visible == {w.approved_a.pk, w.approved_b.pk, w.draft_a.pk}
    for params in (
        {"member": "member-b"},
        {"member": "member-b", "state": "draft"},
        {"state": "submitted"},
        {"search": "Secret"},
        {"period": "2022-Q1", "action": "1.1"},
    ):
        page = client.get("/api/v1/updates/", params).json()
        assert all(row["member"] == "member-a" or row["state"] == "approved" for row in page["results"]), params
        assert page["count"] == len(page["results"])
    assert client.get("/api/v1/updates/", {"member": "member-b", "state": "draft"}).json()["count"] == 0
    assert client.get(f"/api/v1/updates/{w.draft_b.pk}/").status_code == 404
    csv_text = body(client.get("/api/v1/updates/", {"format": "csv"})).decode()
    assert "Secret draft" not in csv_text and "Submitted narrative of B" not in csv_text
    # Counts on periods are of what the caller can see.
    period = client.get("/api/v1/periods/2022-Q1/").json()
    assert period["update_count"] == 1 and period["submitted_count"] == 0
    listed = {row["code"]: row for row in results(client.get("/api/v1/periods/"))}
    counts = ("update_count", "submitted_count", "approved_count")
    assert {name: listed["2022-Q1"][name] for name in counts} == {name: period[name] for name in counts}
    as_staff = {row["code"]: row for row in results(api(keys["staff"]).get("/api/v1/periods/"))}
    assert as_staff["2022-Q1"]["update_count"] > period["update_count"]


def test_a_read_token_sees_approved_updates_only(world, api, keys):
    rows = results(api(keys["read"]).get("/api/v1/updates/"))
    assert {row["state"] for row in rows} == {"approved"}


# --- reports ---------------------------------------------------------------------------


def test_reports_list_filter_and_detail(world, staff_api):
    from reporting.models import Report

    report = Report.objects.create(plan=world.plan, kind="period", period=world.closed_period, as_of="2021-12-31",
                                   state="done", snapshot={"progress": 0.25})
    rows = results(staff_api.get("/api/v1/reports/", {"kind": "period", "period": "2021-Q4"}))
    assert [row["id"] for row in rows] == [report.pk]
    assert results(staff_api.get("/api/v1/reports/", {"kind": "monthly"})) == []
    detail = staff_api.get(f"/api/v1/reports/{report.pk}/").json()
    assert detail["snapshot"] == {"progress": 0.25}
    # A snapshot the renderers cannot read (no `meta`) offers no file, and asking for one is a 404, not a 500.
    assert detail["files"] == {fmt: None for fmt in ("html", "pdf", "pptx", "xlsx", "csv")}
    assert staff_api.get(f"/api/v1/reports/{report.pk}/files/pdf").status_code == 404
