"""GET /api/v1/figures/: every dashboard figure with its math."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def auth(key: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Token {key}"}


def test_anonymous_gets_401(client, small):
    assert client.get(reverse("api-figures")).status_code == 401


def test_all_figures_with_their_math(client, cast, small):
    response = client.get(reverse("api-figures"), **auth(cast.read_key))
    assert response.status_code == 200
    data = response.json()
    assert data["plan"] == "2021-2023" and data["period"] == "2022-Q2"
    plan = data["figures"]["plan-progress"]
    assert plan["percent"] == 58
    assert set(plan) >= {"value", "rule", "inputs", "left_out", "coverage", "covered", "expected"}
    assert [(g["goal"], g["figure"]["percent"]) for g in data["figures"]["goal-progress"]] == [("1", 85), ("2", 31)]
    by_period = {row["period"]: row["figure"] for row in data["figures"]["compliance-by-period"]}
    assert by_period["2022-Q1"]["percent"] == 60 and by_period["2022-Q1"]["expected"] == 5
    regions = data["figures"]["compliance-by-region"]
    assert regions["period"] == "2022-Q2"
    assert [(r["region"], r["figure"]["percent"]) for r in regions["regions"]] == [("north", 40), ("south", 0)]
    warnings = data["figures"]["early-warnings"]
    assert [(w["action"], w["projected"]) for w in warnings] == [("2.2", pytest.approx(24.07, abs=0.01))]


def test_one_figure_and_period_choice(client, cast, small):
    response = client.get(
        reverse("api-figure", args=["compliance-by-region"]), {"period": "2022-Q1"}, **auth(cast.read_key)
    )
    assert response.status_code == 200
    regions = response.json()["data"]["regions"]
    assert [(r["region"], r["figure"]["percent"]) for r in regions] == [("north", 75), ("south", 0)]


def test_bad_period_is_a_400_naming_the_parameter(client, cast, small):
    response = client.get(reverse("api-figures"), {"period": "nope"}, **auth(cast.read_key))
    assert response.status_code == 400
    assert "period" in response.json()["field_errors"]


def test_unknown_figure_is_404(client, cast, small):
    response = client.get(reverse("api-figure", args=["nonsense"]), **auth(cast.read_key))
    assert response.status_code == 404
    assert response.json()["code"]


def test_read_token_cannot_post(client, cast, small):
    assert client.post(reverse("api-figures"), {}, **auth(cast.read_key)).status_code in (403, 405)


def test_an_indicator_figure_lists_the_values_behind_it_with_the_same_structure_everywhere(client, cast, small):
    """Show the math with numbers: each value (member, period, value, approved
    when, carried forward or not), the result and coverage; the same object in
    /api/v1/figures/ and as `explain` beside `progress` on the indicator."""
    indicator = small.indicators["1.1.a"]
    indicator.carry_forward = 1
    indicator.save()
    data = client.get(reverse("api-figures"), **auth(cast.read_key)).json()["figures"]
    row = next(r for r in data["indicator-progress"] if r["indicator"] == "1.1.a")
    figure = row["figure"]
    assert [(d["member"], d["period"], d["value"], d["carried_forward"]) for d in figure["details"]] == [
        ("Alpha City", "2022-Q2", 70.0, False), ("Beta City", "2022-Q1", 30.0, True)]
    assert all(d["approved_at"] for d in figure["details"])
    assert figure["result"] == "Network value in 2022-Q2: 50 members from 2 members; progress 50%."
    assert figure["coverage"].startswith("approved data from 1 of ")
    assert row["latest_text"] == "50" and figure["percent"] == 50
    listed = client.get("/api/v1/indicators/", **auth(cast.read_key)).json()
    api_row = next(r for r in listed["results"] if r["code"] == "1.1.a")
    assert api_row["explain"]["details"] == figure["details"]
    assert api_row["explain"]["percent"] == 50 and api_row["progress"] == pytest.approx(0.5)


def test_status_disagreements_are_listed_and_the_typed_status_is_kept(client, cast, small):
    data = client.get(reverse("api-figures"), **auth(cast.read_key)).json()["figures"]
    actions = {row["action"]: row for row in data["action-progress"]}
    for row in data["status-disagreements"]:
        assert actions[row["action"]]["status"] == row["typed"] != row["computed"] or row["typed"] == "completed"
