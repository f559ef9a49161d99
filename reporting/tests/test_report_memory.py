"""Reports in bounded memory: a network ten times larger does not take ten
times the memory to report on (tracemalloc, on data generated with bulk
inserts), and the files written row by row equal the ones made in memory."""

import csv
import io
import random
import tracemalloc
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from actions.models import Participation
from members.models import Member, Membership
from metroplan.testing import factories as f
from reporting import report_files, report_services
from reporting.figures import approved as approved_values
from reporting.figures import cache
from reporting.models import IndicatorValue, ProgressUpdate, Report
from reporting.rendering import render_csv, render_xlsx
from reporting.report_view import ANNEX_MEMBERS

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_heartbeat(monkeypatch):
    # The build's heartbeat thread would wait on SQLite's lock for the test's transaction.
    monkeypatch.setattr(report_services, "HEARTBEAT_SECONDS", 3600)


def network(members: int) -> Report:
    """A plan of 2 goals, 3 actions (2 with an indicator), 2 periods, and
    `members` members in 5 regions, each in every action; about 85 % of the
    updates sent, most approved, with their values. Bulk inserts throughout."""
    rng = random.Random(members)
    plan = f.PlanFactory(code=f"net-{members}", is_current=False)
    periods = [
        f.ReportingPeriodFactory(plan=plan, code="2022-Q1", start=date(2022, 1, 1), end=date(2022, 3, 31)),
        f.ReportingPeriodFactory(plan=plan, code="2022-Q2", start=date(2022, 4, 1), end=date(2022, 6, 30)),
    ]
    goals = [f.GoalFactory(plan=plan, code="1", order=1), f.GoalFactory(plan=plan, code="2", order=2)]
    actions = [f.ActionFactory(goal=goals[0], code="1.1"), f.ActionFactory(goal=goals[0], code="1.2"),
               f.ActionFactory(goal=goals[1], code="2.1")]
    indicators = {actions[0].pk: f.IndicatorFactory(action=actions[0], code="1.1.a"),
                  actions[2].pk: f.IndicatorFactory(action=actions[2], code="2.1.a")}
    regions = [f.RegionFactory(slug=f"region-{n}", name=f"Region {n}") for n in range(5)]
    created = Member.objects.bulk_create([
        Member(slug=f"city-{members}-{n:05d}", name=f"City {n:05d}", country="Spain", country_code="ES",
               region=regions[n % len(regions)], latitude=Decimal("41.39"), longitude=Decimal("2.17"),
               time_zone="Europe/Madrid", confidence=Member.Confidence.SOURCED, source="test")
        for n in range(members)
    ])
    Membership.objects.bulk_create([Membership(member=m, start=date(2020, 1, 1)) for m in created])
    Participation.objects.bulk_create([Participation(action=a, member=m) for a in actions for m in created],
                                      batch_size=2000)
    updates = []
    for period in periods:
        for action in actions:
            for member in created:
                roll = rng.random()
                if roll < 0.15:
                    continue
                sent = timezone.make_aware(datetime.combine(period.end + timedelta(days=rng.randint(1, 40)),
                                                            time(10)))
                approved = roll < 0.9
                updates.append(ProgressUpdate(
                    member=member, action=action, period=period, state="approved" if approved else "submitted",
                    status="on_track", narrative=f"{member.name} reports on {action.code}.",
                    first_submitted_at=sent, submitted_at=sent,
                    reviewed_at=sent + timedelta(days=3) if approved else None,
                ))
    updates = ProgressUpdate.objects.bulk_create(updates, batch_size=2000)
    IndicatorValue.objects.bulk_create([
        IndicatorValue(update=update, indicator=indicators[update.action_id], value=Decimal(rng.randint(10, 90)))
        for update in updates if update.action_id in indicators
    ], batch_size=2000)
    approved_values.refresh(update.pk for update in updates)  # bulk inserts send no signal
    cache.bump()
    return Report.objects.create(plan=plan, kind=Report.Kind.PERIOD, period=periods[-1], as_of=periods[-1].end)


def _peak_of_build(report: Report) -> tuple[Report, int]:
    tracemalloc.start()
    try:
        built = report_services.report_build(report_id=report.pk)
        _size, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return built, peak


def test_a_network_ten_times_larger_does_not_take_ten_times_the_memory():
    # Warm up: the first build loads fonts, templates and libraries once per process.
    report_services.report_build(report_id=network(20).pk)
    Report.objects.all().delete()

    small, small_peak = _peak_of_build(network(141))
    large, large_peak = _peak_of_build(network(1410))
    assert small.state == large.state == Report.State.DONE
    assert len(large.snapshot["compliance"]["by_member"]) == 1410
    # The PDF prints a bounded member table; every member is in the XLSX.
    text = " ".join(page.extract_text() for page in PdfReader(large.pdf.open("rb")).pages)
    assert f"The {ANNEX_MEMBERS} members with the lowest compliance of 1,410" in " ".join(text.split())
    sheet = load_workbook(large.xlsx.open("rb"), read_only=True)["Compliance by member"]
    assert sum(1 for _row in sheet.iter_rows(values_only=True)) == 1410 + 2
    # Ten times the members, far less than ten times the memory (Python's own
    # allocations, as tracemalloc sees them).
    assert large_peak < 2.5 * small_peak, (small_peak, large_peak)


def test_the_files_written_row_by_row_equal_the_ones_made_in_memory():
    report = report_services.report_build(report_id=network(300).pk)
    for language in ("en", "fr"):
        rendered = report_files.report_file(report, "csv", language)
        with rendered.file as handle:
            streamed = handle.read().decode("utf-8-sig")
        assert streamed == render_csv(report.snapshot, language)
        assert len(list(csv.reader(io.StringIO(streamed)))) > 300

        rendered = report_files.report_file(report, "xlsx", language)
        with rendered.file as handle:
            streamed_book = load_workbook(io.BytesIO(handle.read()))
        memory_book = load_workbook(io.BytesIO(render_xlsx(report.snapshot, language)))
        assert streamed_book.sheetnames == memory_book.sheetnames
        for streamed_sheet, memory_sheet in zip(streamed_book.worksheets, memory_book.worksheets, strict=True):
            assert list(streamed_sheet.iter_rows(values_only=True)) == list(memory_sheet.iter_rows(values_only=True))
