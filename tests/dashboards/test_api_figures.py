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
