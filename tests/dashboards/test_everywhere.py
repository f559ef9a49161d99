"""The same figure read through a page, the API, a report and an export is
the same number: one test per kind of figure, through the real paths, on the
small plan whose figures are computed by hand in test_figures.py."""

import csv
import io
import re

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from reporting import report_services
from reporting.models import Report
from reporting.rendering import CSV_COLUMNS

pytestmark = pytest.mark.django_db


def text(response) -> str:
    html = re.sub(r"<script.*?</script>", " ", response.content.decode(), flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def read(cast):
    """GET through the API with the integrator's read token, as JSON."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {cast.read_key}")
    return lambda path: client.get(path).json()


@pytest.fixture
def report(small):
    period = small.periods["2022-Q2"]
    built = Report.objects.create(plan=small.plan, kind=Report.Kind.PERIOD, period=period, as_of=period.end)
    return report_services.report_build(report_id=built.pk)


def csv_value(report, section: str, code: str, figure: str) -> float:
    """A figure's value in the report's CSV export (long format, percent 0-100;
    columns by their stable keys, under a header in the report's language)."""
    with report.csv.open("rb") as handle:
        reader = csv.reader(io.StringIO(handle.read().decode("utf-8-sig")))
        next(reader)
        rows = [dict(zip(CSV_COLUMNS, row, strict=True)) for row in reader]
    for row in rows:
        if (row["section"], row["code"], row["figure"]) == (section, code, figure):
            return float(row["value"])
    raise AssertionError(f"{section} {code} {figure} not in the CSV")


def test_plan_progress_is_the_same_everywhere(client, read, cast, small, report):
    client.force_login(cast.staff)
    assert "58%" in text(client.get(reverse("overview")))
    plans = read("/api/v1/plans/")["results"]
    assert [row["progress"] for row in plans] == [pytest.approx(0.58)]
    figure = read("/api/v1/figures/plan-progress/")["data"]
    assert figure["value"] == pytest.approx(0.58) and figure["percent"] == 58
    assert report.snapshot["plan_progress"]["value"] == pytest.approx(0.58)
    assert csv_value(report, "plan", small.plan.code, "progress") == pytest.approx(58.0)


def test_goal_and_action_progress_are_the_same_everywhere(client, read, cast, small, report):
    client.force_login(cast.staff)
    assert "85%" in text(client.get(reverse("goal-detail", args=["1"])))
    assert "50%" in text(client.get(reverse("action-detail", args=["2.1"])))
    goals = {row["code"]: row["progress"] for row in read("/api/v1/goals/")["results"]}
    assert goals == {"1": pytest.approx(0.85), "2": pytest.approx(0.31)}
    actions = {row["code"]: row["progress"] for row in read("/api/v1/actions/")["results"]}
    assert actions["2.1"] == pytest.approx(0.5) and actions["1.2"] == pytest.approx(1.0)
    assert {g["code"]: g["progress"] for g in report.snapshot["goals"]} == goals
    assert {a["code"]: a["progress"] for a in report.snapshot["actions"]} == pytest.approx(actions)
    assert csv_value(report, "goal", "1", "progress") == pytest.approx(85.0)
    assert csv_value(report, "action", "2.1", "progress") == pytest.approx(50.0)


def test_indicator_figures_are_the_same_everywhere(client, read, cast, small, report):
    rows = {row["code"]: row for row in read("/api/v1/indicators/")["results"]}
    assert float(rows["1.1.a"]["latest_value"]) == pytest.approx(70) and rows["1.1.a"]["progress"] == 0.7
    snapshot = {i["code"]: i for i in report.snapshot["indicators"]}
    assert snapshot["1.1.a"]["latest_value"] == pytest.approx(70) and snapshot["1.1.a"]["progress"] == 0.7
    client.force_login(cast.staff)
    page = text(client.get(reverse("action-detail", args=["1.1"])))
    assert "latest value 70 " in page  # a count: a whole number
    assert "Alpha City, 2022-Q2: 70 (approved" in page  # the value behind it, in its "show the math"


def test_compliance_is_the_same_everywhere(client, read, cast, small, report):
    # Q2 (the reference period): 6 expected, 2 on time → 33%; m1: 2 of 3 on time
    client.force_login(cast.staff)
    assert "33%" in text(client.get(reverse("overview")))
    page = text(client.get(reverse("member-list")))
    assert re.search(r"Alpha City .*? 2 / 3 .*? 67%", page)
    members = {row["slug"]: row["compliance"] for row in read("/api/v1/members/")["results"]}
    assert members["m1"]["period"] == "2022-Q2"
    assert (members["m1"]["on_time"], members["m1"]["expected"]) == (2, 3)
    period = read("/api/v1/periods/2022-Q2/")["compliance"]
    assert period["rate"] == pytest.approx(2 / 6)
    figure = read("/api/v1/figures/compliance-by-period/")["data"]
    assert [row["figure"]["value"] for row in figure] == [pytest.approx(3 / 5), pytest.approx(2 / 6)]
    assert report.snapshot["compliance"]["period"]["value"] == pytest.approx(2 / 6)
    by_member = {row["member"]: row for row in report.snapshot["compliance"]["by_member"]}
    assert by_member["Alpha City"]["rate"] == pytest.approx(2 / 3)
    assert csv_value(report, "plan", small.plan.code, "compliance 2022-Q2") == pytest.approx(33.3)
    regions = {row["slug"]: row["compliance"]["rate"]
               for row in read("/api/v1/regions/")["results"]}
    snap_regions = {row["slug"]: row["value"] for row in report.snapshot["compliance"]["by_region"]}
    assert {slug: regions[slug] for slug in snap_regions} == pytest.approx(snap_regions)
