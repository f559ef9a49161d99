"""The figures on each page against values computed by hand for the small plan
(see conftest.py for the data and the arithmetic's inputs)."""

import re

import pytest
from django.urls import reverse

from members.models import Member
from reporting.figures import compliance_figures, plan_figures

pytestmark = pytest.mark.django_db


def text(response) -> str:
    """The page as text, whitespace collapsed, without tags."""
    html = response.content.decode()
    html = re.sub(r"<script.*?</script>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_progress_figures_match_hand_computation(small):
    # 1.1: latest approved period Q2, mean 70 → 70%; 1.2 completed, no indicator → 100%
    # 2.1: (15 − 10) / (20 − 10) = 50%; 2.2: 12 / 100 = 12%
    figures = plan_figures(small.plan)
    assert figures.goal("1").figure.value == pytest.approx(0.85)
    assert figures.goal("2").figure.value == pytest.approx(0.31)
    assert figures.progress.value == pytest.approx(0.58)
    assert figures.action("2.1").figure.value == pytest.approx(0.5)
    figure = figures.action("1.2").figure
    assert figure.value == pytest.approx(1.0)
    assert "Completed" in figure.inputs[0]
    assert figures.goal("2").figure.coverage.endswith("from 2 of 2")


def test_indicator_series_is_the_mean_of_approved_values_only(small):
    indicator = plan_figures(small.plan).indicator_by_pk()[small.indicators["1.1.a"].pk]
    series = indicator.series
    # Q1: (50 + 30) / 2, member A's draft value 90 left out; Q2: 70
    assert [(p.period_code, p.value, p.members) for p in series] == [("2022-Q1", 40.0, 2), ("2022-Q2", 70.0, 1)]


def test_compliance_counts_only_expected_members(small):
    figures = plan_figures(small.plan)
    rows = {period.code: figure for period, figure in figures.compliance.per_period()}
    # Q1: 5 expected (m4 not yet a member, m5 exempted), 3 on time, m2 late, member A's draft missing
    assert rows["2022-Q1"].value == pytest.approx(3 / 5)
    assert rows["2022-Q1"].expected == 5
    assert "3 on time, 1 late, 1 missing" in rows["2022-Q1"].inputs[0]
    # Q2: 6 expected (m4 joined), 2 on time
    assert rows["2022-Q2"].value == pytest.approx(2 / 6)
    assert rows["2022-Q2"].expected == 6
    assert figures.reference_period.code == "2022-Q2"


def test_member_compliance_annotation_and_over_time(small):
    compliance = plan_figures(small.plan).compliance
    q1 = compliance.member_counts(small.periods["2022-Q1"])
    members = {slug: q1.get(member.pk) for slug, member in small.members.items()}
    assert members["m1"]["rate"] == pytest.approx(1.0)
    assert (members["m2"]["expected"], members["m2"]["late"], members["m2"]["rate"]) == (1, 1, 0.0)
    assert members["m4"] is None  # not yet a member: not expected
    assert members["m5"] is None  # exempted
    over_time = [(p.code, f.value) for p, f in compliance.per_period(member=small.members["m1"])]
    assert over_time == [("2022-Q1", pytest.approx(1.0)), ("2022-Q2", pytest.approx(2 / 3))]


def test_overview_shows_hand_computed_figures(client, cast, small):
    client.force_login(cast.staff)
    response = client.get(reverse("overview"), {"period": "2022-Q1"})
    assert response.status_code == 200
    page = text(response)
    assert "58%" in page  # plan progress
    assert re.search(r"First goal 85%", page)
    assert re.search(r"Second goal 31%", page)
    assert re.search(r"60% of expected updates for 2022-Q1", page)
    assert re.search(r"North 75%", page)
    assert re.search(r"South 0%", page)
    # Early warning on 2.2: a line through 10 (2022-03-31) and 12 (2022-06-30) reaches 24.1 by 2023-12-31
    assert "2.2" in page and "projected 24.1 / 100.0 papers" in page
    # Status mix: 3 on track, 1 completed
    mix = {value: n for value, _label, n in response.context["status_mix"]}
    assert mix["on_track"] == 3 and mix["completed"] == 1
    # The map's data: the members aggregated by 5° square, with their summed counts and the square's rate
    # (the factories put m1, m2, m4, m5 and member A in Barcelona's square; m3 is member A)
    points = response.context["map_points"]
    assert sum(p["members"] for p in points) == Member.objects.count()
    assert all(set(p) == {"lat", "lon", "members", "band", "expected", "on_time", "compliance", "label"}
               for p in points)
    (barcelona,) = [p for p in points if p["members"] > 1]
    assert barcelona["expected"] == 5 and barcelona["on_time"] == 3  # 2022-Q1: 60 % of the network
    assert "Show the math" in page and "approved data for indicators from 3 of 3" in page


def test_the_maps_table_alternative_counts_each_regions_members_by_band(client, cast, small):
    client.force_login(cast.staff)
    overview = text(client.get(reverse("overview")))
    assert "The members as a table, by region" in overview
    url = reverse("overview-member-table") + "?period=2022-Q1"
    page = text(client.get(url))
    assert "North" in page and "Members by compliance in 2022-Q1" in page
    fragment = client.get(url, HTTP_HX_REQUEST="true")
    body = fragment.content.decode()
    assert "<html" not in body and "<table" in body
    regions = {r["slug"]: r for r in fragment.context["map_regions"]}
    # 2022-Q1: m1 on time (good), m2 late (poor), m4 not a member yet and m5 exempted (none); member A missing
    assert (regions["north"]["good"], regions["north"]["poor"], regions["north"]["none"]) == (1, 1, 2)
    assert regions["south"]["poor"] == 1
    assert f'{reverse("member-list")}?region=north&amp;period=2022-Q1&amp;sort=compliance' in body


def test_goal_and_action_pages(client, cast, small):
    client.force_login(cast.staff)
    page = text(client.get(reverse("goal-detail", args=["2"])))
    assert "31%" in page and "50%" in page and "12%" in page
    response = client.get(reverse("action-detail", args=["2.2"]))
    page = text(response)
    assert "12%" in page and "Early warning" in page and "24.1" in page
    spec = response.context["indicator_charts"][0]["spec"]
    assert spec["labels"] == ["2022-Q1", "2022-Q2"]
    assert spec["series"][0]["data"] == [10.0, 12.0]
    trend = [s for s in spec["series"] if s.get("style") == "projection"][0]
    assert trend["data"] == [None, 24.07]  # the projection at the plan's last period
    response = client.get(reverse("action-detail", args=["1.1"]))
    chart = response.context["indicator_charts"][0]
    assert chart["spec"]["series"][0]["data"] == [40.0, 70.0]
    milestones = [s for s in chart["spec"]["series"] if s.get("style") == "points"][0]
    assert milestones["data"] == [None, 60.0]  # 2022's milestone at the year's last period
    latest = {p.member.slug: (p.latest_period, p.latest_state) for p in response.context["participations"]}
    assert latest["m1"] == ("2022-Q2", "approved")
    assert latest["m4"] == (None, None)
    assert client.get(reverse("action-detail", args=["9.9"])).status_code == 404
    assert client.get(reverse("goal-detail", args=["9"])).status_code == 404


def test_member_pages(client, cast, small):
    client.force_login(cast.staff)
    response = client.get(reverse("member-list"), {"period": "2022-Q1", "sort": "-compliance"})
    names = [m.slug for m in response.context["page"]]
    assert names[0] == "m1"
    assert names[-3:] == ["m4", "m5", "member-b"]  # nothing expected: last, by name
    page = text(client.get(reverse("member-detail", args=["m1"])))
    assert "1.1" in page and "2.2" in page
    response = client.get(reverse("member-detail", args=["m1"]))
    assert [f.value for _p, f in response.context["compliance"]] == [pytest.approx(1.0), pytest.approx(2 / 3)]


def test_heatmap_cells(client, cast, small):
    client.force_login(cast.staff)
    response = client.get(reverse("compliance"))
    cells = {
        (row["member"].slug, cell["period"].code): cell["outcome"]
        for group in response.context["regions"] for row in group["rows"] for cell in row["cells"]
    }
    assert cells[("m1", "2022-Q1")] == "on_time"
    assert cells[("m2", "2022-Q1")] == "late"
    assert cells[("member-a", "2022-Q1")] == "missing"
    assert cells[("m4", "2022-Q1")] == ""  # not a member yet
    assert cells[("m4", "2022-Q2")] == "missing"
    assert cells[("m1", "2022-Q2")] == "missing"  # 2.1 missing: the worst outcome colours the cell
    assert not any(slug == "m5" for slug, _ in cells)  # exempted: no row
    assert [g["region"].slug for g in response.context["regions"]] == ["north", "south"]
    html = response.content.decode()
    assert f'href="{reverse("member-detail", args=["m2"])}?period=2022-Q1#updates-h"' in html
    m2 = small.members["m2"].name
    assert f'aria-label="{m2}, 2022-Q1: 0% on time (1 late)"' in html


def test_a_heatmap_cell_shows_the_members_rate_with_the_worst_outcome_as_a_mark(client, cast, small):
    """m1 in 2022-Q2: two updates on time, one missing. The cell reads 67 % in
    the colour of its rate, marked ✕, not painted like a member who sent nothing."""
    client.force_login(cast.staff)
    response = client.get(reverse("compliance"))
    cells = {
        (row["member"].slug, cell["period"].code): cell
        for group in response.context["regions"] for row in group["rows"] for cell in row["cells"]
    }
    assert cells[("m1", "2022-Q2")]["rate"] == pytest.approx(2 / 3)
    html = response.content.decode()
    m1 = reverse("member-detail", args=["m1"])
    assert (f'<a class="rate-7" href="{m1}?period=2022-Q2#updates-h" aria-label="Alpha City, 2022-Q2: 67% on time '
            f'(2 on time, 1 missing)" title="Alpha City, 2022-Q2: 67% on time (2 on time, 1 missing)">67%</a>'
            f'<b class="mark" aria-hidden="true">✕</b>') in html
    member_a = reverse("member-detail", args=["member-a"])
    assert f'<a class="rate-0" href="{member_a}?period=2022-Q2#updates-h"' in html  # sent nothing: 0 %, red
    assert "Its colour follows the rate, from red (none on time) to green (all on time)" in html
    assert "Worst outcome:" in html


def test_heatmap_cells_link_to_the_chosen_actions_updates(client, cast, small):
    client.force_login(cast.staff)
    html = client.get(reverse("compliance") + "?action=2.1").content.decode()
    assert f'href="{reverse("member-detail", args=["m1"])}?period=2022-Q2&amp;action=2.1#updates-h"' in html


def test_compliance_rule_excused_and_not_yet_due(small):
    """Excused late updates leave the denominator; before the deadline an
    unsent update is due, not missing; a filter counts only its slots."""
    from datetime import date

    from reporting.models import PeriodReopening

    # m2's late Q1 update (2022-05-15) becomes excused under a reopening granted until 2022-05-20
    PeriodReopening.objects.create(
        period=small.periods["2022-Q1"], member=small.members["m2"], state="granted", reason="flood",
        until=date(2022, 5, 20),
    )
    q1 = plan_figures(small.plan).compliance.per_period()[0][1].as_dict()
    assert q1["inputs"][0].startswith("3 on time, 0 late")
    assert q1["value"] == pytest.approx(3 / 4)
    # Compliance as it stood on 2022-07-10: Q2's deadline (2022-07-30) had not passed; the two
    # updates submitted on 2022-07-05 are on time, the other four not yet due
    early = plan_figures(small.plan, as_of=date(2022, 7, 10)).compliance.per_period()
    assert early[1][1].left_out == ["4 updates not yet due"]
    assert early[1][1].value == pytest.approx(1.0)  # only on-time ones count
    # On 2022-07-01 nothing had been submitted for Q2 yet
    before = plan_figures(small.plan, as_of=date(2022, 7, 1)).compliance.per_period()
    assert before[1][1].left_out == ["6 updates not yet due"] and before[1][1].value is None
    assert plan_figures(small.plan).compliance.per_period()[1][1].value == pytest.approx(2 / 6)
    # One action's slots: per member and summed per region
    figures = plan_figures(small.plan)
    one_action = compliance_figures(figures, action="2.2")
    q2 = small.periods["2022-Q2"]
    assert sum(c["expected"] for c in one_action.member_counts(q2).values()) == one_action.counts(q2)["expected"]
    assert one_action.counts(q2)["expected"] < figures.compliance.counts(q2)["expected"]
    regions = one_action.region_counts(q2)
    assert sum(c["expected"] for c in regions.values()) == one_action.counts(q2)["expected"]
