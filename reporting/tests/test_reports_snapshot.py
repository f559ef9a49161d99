"""A report's figures against hand-computed values and in every rendered
format (tests/test_figures_everywhere.py holds them to the pages and the API)."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from reporting import report_services
from reporting.models import Report
from reporting.rendering import CSV_COLUMNS
from reporting.tests.report_data import make_report, make_scenario

pytestmark = pytest.mark.django_db


@pytest.fixture
def built():
    scenario = make_scenario()
    report = report_services.report_build(report_id=make_report(scenario).pk)
    return scenario, report


def test_snapshot_figures_equal_hand_computed_values(built):
    _, report = built
    snap = report.snapshot
    assert report.state == Report.State.DONE
    assert snap["plan_progress"]["value"] == pytest.approx(0.55)
    assert snap["plan_progress"]["percent"] == 55
    assert {g["code"]: g["progress"] for g in snap["goals"]} == pytest.approx({"1": 0.6, "2": 0.5})
    actions = {a["code"]: a for a in snap["actions"]}
    assert actions["1.1"]["progress"] == pytest.approx(0.6)
    assert actions["2.1"]["progress"] == pytest.approx(0.5)
    assert actions["2.1"]["progress_from"] == "status"
    indicator = snap["indicators"][0]
    assert (indicator["code"], indicator["latest_value"], indicator["latest_members"]) == ("1.1.a", 60.0, 2)
    assert indicator["progress"] == pytest.approx(0.6)
    compliance = snap["compliance"]
    assert compliance["period"]["value"] == pytest.approx(0.5)
    assert {r["region"]: r["value"] for r in compliance["by_region"]} == pytest.approx({"North": 2 / 3, "South": 0.0})
    assert {m["member"]: m["rate"] for m in compliance["by_member"]} == pytest.approx(
        {"A North City": 0.5, "B North City": 1.0, "C South City": 0.0}
    )
    assert [p["period"] for p in compliance["by_period"]] == ["2022-Q1"]


def test_snapshot_names_its_data_gaps(built):
    _, report = built
    snap = report.snapshot
    actions = {a["code"]: a for a in snap["actions"]}
    assert actions["1.1"]["approved_members"] == 2 and actions["1.1"]["expected_members"] == 3
    # Gaps are data: the member's name and a key for why (put into words at render time).
    assert actions["1.1"]["missing_members"] == [{"member": "C South City", "why": "missing"}]
    assert actions["2.1"]["missing_members"] == [{"member": "A North City", "why": "late"}]
    indicator = snap["indicators"][0]
    assert (indicator["reported_members"], indicator["expected_members"]) == (2, 3)
    assert [m["member"] for m in indicator["missing_members"]] == ["C South City"]
    assert snap["compliance"]["period"]["members_missing"] == [{"member": "C South City", "actions": ["1.1"]}]
    assert {r["region"]: r["members_missing"] for r in snap["compliance"]["by_region"]} == {
        "North": [], "South": ["C South City"],
    }
    assert snap["plan_progress"]["members_without_approved_update"] == ["A North City", "C South City"]
    assert snap["data_gaps"]["members_missing_updates"] == ["C South City"]
    assert snap["data_gaps"]["members_with_updates_not_approved"] == ["A North City"]


def test_progress_uses_only_data_up_to_as_of(built):
    scenario, _ = built
    early = report_services.report_build(
        report_id=make_report(scenario, kind=Report.Kind.ON_DEMAND, as_of=date(2021, 12, 31)).pk
    )
    # No approved values by then: the indicator counts 0 and says so.
    assert early.snapshot["plan_progress"]["value"] == pytest.approx(0.25)
    assert early.snapshot["indicators"][0]["latest_value"] is None
    assert early.snapshot["data_gaps"]["indicators_without_values"] == ["1.1.a"]


def test_report_says_what_changed_since_the_previous_one_of_its_kind():
    scenario = make_scenario()
    first = report_services.report_build(
        report_id=make_report(scenario, kind=Report.Kind.ON_DEMAND, as_of=date(2021, 12, 31)).pk
    )
    second = report_services.report_build(report_id=make_report(scenario, kind=Report.Kind.ON_DEMAND).pk)
    changes = second.snapshot["changes"]
    assert changes["previous"]["id"] == first.pk
    assert {"key": "plan_progress", "code": "", "before": 25, "after": 55} in changes["items"]
    assert {"key": "action_progress", "code": "1.1", "before": 0, "after": 60} in changes["items"]
    assert "What moved since the previous report" in second.html
    assert "Action 1.1 progress" in second.html
    assert first.snapshot["changes"]["previous"] is None


def test_demo_data_is_stated():
    scenario = make_scenario(demo=True)
    report = report_services.report_build(report_id=make_report(scenario).pk)
    assert report.snapshot["meta"]["demo_updates_used"] == 2
    assert "built over demo data" in report.html
    text = "".join(page.extract_text() for page in PdfReader(report.pdf.open("rb")).pages)
    assert "demo data" in text


def test_without_demo_data_no_demo_note(built):
    _, report = built
    assert report.snapshot["meta"]["demo_updates_used"] == 0
    assert "demo data" not in report.html


def test_pdf_holds_the_figures(built):
    _, report = built
    reader = PdfReader(report.pdf.open("rb"))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert "Progress report 2022-Q1" in text
    assert "Executive summary" in text
    assert "55%" in text  # plan progress
    assert "50%" in text  # compliance
    assert "C South City" in text  # the data gap is named
    assert "approved data for indicators from 1 of 1" in text


def test_xlsx_holds_the_figures(built):
    _, report = built
    workbook = load_workbook(report.xlsx.open("rb"))
    summary = {row[0]: row[2] for row in workbook["Summary"].iter_rows(min_row=3, values_only=True)}
    assert summary["plan_progress"] == pytest.approx(0.55)
    assert summary["compliance"] == pytest.approx(0.5)
    assert workbook["Summary"]["C12"].number_format == "0.0%"
    goals = {row[0]: row[2] for row in workbook["Goals"].iter_rows(min_row=3, values_only=True)}
    assert goals == pytest.approx({"1": 0.6, "2": 0.5})
    indicators = list(workbook["Indicators"].iter_rows(min_row=3, values_only=True))
    assert indicators[0][0] == "1.1.a" and indicators[0][6] == 60 and indicators[0][12] == "C South City (no update)"
    members = {row[0]: row[8] for row in workbook["Compliance by member"].iter_rows(min_row=3, values_only=True)}
    assert members == pytest.approx({"A North City": 0.5, "B North City": 1.0, "C South City": 0.0})
    regions = {row[0]: row[-1] for row in workbook["Compliance by region"].iter_rows(min_row=3, values_only=True)}
    assert regions["South"] == "C South City"


def test_csv_holds_the_figures(built):
    _, report = built
    reader = csv.reader(io.StringIO(report.csv.open("rb").read().decode("utf-8-sig")))
    next(reader)  # the header, in the report's language
    rows = [dict(zip(CSV_COLUMNS, row, strict=True)) for row in reader]
    by_key = {(row["section"], row["code"], row["figure"]): row for row in rows}
    assert by_key[("plan", "2021-2023", "progress")]["value"] == "55.0"
    assert by_key[("plan", "2021-2023", "compliance 2022-Q1")]["value"] == "50.0"
    assert "C South City: 1.1" in by_key[("plan", "2021-2023", "compliance 2022-Q1")]["data_gaps"]
    assert by_key[("goal", "1", "progress")]["value"] == "60.0"
    assert by_key[("indicator", "1.1.a", "latest value")]["value"] == "60.0"
    assert by_key[("indicator", "1.1.a", "latest value")]["coverage"] == "2 of 3 members reported in 2022-Q1"
    assert by_key[("compliance_region", "north", "compliance 2022-Q1")]["value"] == "66.7"


def test_html_holds_the_figures(built):
    _, report = built
    assert "55%" in report.html and "Compliance 2022-Q1" in report.html
    assert "C South City (no update)" in report.html


def test_correction_is_a_new_report_naming_what_changed_and_why(built, cast, django_capture_on_commit_callbacks):
    scenario, report = built
    original_pdf = report.pdf.open("rb").read()
    scenario.value_b.value = Decimal("100")
    scenario.value_b.save()
    with django_capture_on_commit_callbacks():
        correction = report_services.report_correct(user=cast.staff, report=report, note="B's figure was mistyped.")
    correction = report_services.report_build(report_id=correction.pk)
    assert correction.corrects_id == report.pk
    assert correction.snapshot["plan_progress"]["value"] == pytest.approx(0.6)
    assert correction.snapshot["correction"]["note"] == "B's figure was mistyped."
    assert {"key": "plan_progress", "code": "", "before": 55, "after": 60} in correction.snapshot["correction"]["items"]
    assert "B&#x27;s figure was mistyped." in correction.html
    report.refresh_from_db()
    assert report.snapshot["plan_progress"]["value"] == pytest.approx(0.55)  # the published one never changes
    assert report.pdf.open("rb").read() == original_pdf


def test_a_finished_report_is_never_rebuilt(built):
    _, report = built
    assert report_services.report_build(report_id=report.pk) is None
    report.refresh_from_db()
    assert report.snapshot["plan_progress"]["value"] == pytest.approx(0.55)


def test_a_built_reports_stored_names_fit_their_columns_whatever_its_codes():
    """PostgreSQL refuses a file name longer than its column (SQLite would
    not say): a long plan and period code must not fail the build."""
    scenario = make_scenario()
    scenario.plan.code = "SAP-2021-2023-REVISE"  # as long as a plan code may be
    scenario.plan.save(update_fields=["code"])
    report = report_services.report_build(report_id=make_report(scenario, kind=Report.Kind.ON_DEMAND).pk)
    assert report.state == Report.State.DONE
    for field in ("pdf", "xlsx", "csv"):
        name = getattr(report, field).name
        assert name and len(name) <= Report._meta.get_field(field).max_length, name
