"""Every page and API list is bounded: with 20 or 200 more members (each taking
part in two actions, with an update per period) a page weighs the same and
runs the same queries. Pages show a page of members, participants or updates
and aggregated figures of the whole; an action in the API lists carries the
number of its members and a link, not their slugs (unless asked for)."""

from datetime import date, datetime, time
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from actions.models import Participation
from members.models import Member, Membership, Region
from reporting import views_compliance, views_dashboards
from reporting.figures import approved
from reporting.figures.cache import bump
from reporting.models import IndicatorValue, ProgressUpdate

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock_stands_still")]

PAGES = [
    ("compliance", [], {}),
    ("compliance", [], {"region": "bulk"}),
    ("overview", [], {}),
    ("overview-member-table", [], {"period": "2022-Q1"}),
    ("action-detail", ["1.1"], {}),
    ("goal-detail", ["1"], {}),
    ("member-list", [], {"sort": "-compliance"}),
    ("member-detail", ["m1"], {}),
]
API = ["/api/v1/actions/", "/api/v1/members/", "/api/v1/regions/", "/api/v1/updates/", "/api/v1/periods/",
       "/api/v1/plans/", "/api/v1/goals/", "/api/v1/indicators/", "/api/v1/figures/"]


def grow_bulk(small, start: int, n: int) -> None:
    """n more members (zero-padded names, so that a name weighs the same) in
    a region of their own, taking part in 1.1 and 2.1, with an approved update
    and a value per action and period."""
    region, _created = Region.objects.get_or_create(slug="bulk", defaults={"name": "Bulk", "order": 9})
    members = Member.objects.bulk_create([
        Member(slug=f"bulk-{i:04d}", name=f"Bulk City {i:04d}", region=region, country="Kenya", country_code="KE",
               latitude=Decimal("-1.29"), longitude=Decimal("36.82"))
        for i in range(start, start + n)
    ])
    Membership.objects.bulk_create([Membership(member=m, start=date(2020, 1, 1)) for m in members])
    actions = [small.actions["1.1"], small.actions["2.1"]]
    indicator = {small.actions["1.1"].pk: small.indicators["1.1.a"], small.actions["2.1"].pk: small.indicators["2.1.a"]}
    Participation.objects.bulk_create([Participation(action=a, member=m) for m in members for a in actions])
    submitted = timezone.make_aware(datetime.combine(date(2022, 4, 10), time(10)))
    updates = ProgressUpdate.objects.bulk_create([
        ProgressUpdate(member=m, action=a, period=p, state="approved", narrative="Progress as planned.",
                       first_submitted_at=submitted, submitted_at=submitted, reviewed_at=submitted)
        for m in members for a in actions for p in small.periods.values()
    ])
    IndicatorValue.objects.bulk_create(
        [IndicatorValue(update=u, indicator=indicator[u.action_id], value=Decimal(7)) for u in updates]
    )
    approved.refresh(u.pk for u in updates)  # bulk inserts send no signal: the engine's approved values must know
    bump()  # bulk inserts send no signal: the figures' cache must know


# pages measured one after the other, before and after growing: one quarter of an hour's figures
pytestmark = pytest.mark.usefixtures("one_quarter_hour")


def measure(client) -> dict:
    answers = {}
    for name, args, params in PAGES:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse(name, args=args), params)
        assert response.status_code == 200, (name, response.status_code)
        answers[(name, *params.values())] = (len(response.content), len(queries))
    for url in API:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, {"page_size": 10} if "figures" not in url else {})
        assert response.status_code == 200, (url, response.status_code)
        answers[url] = (len(response.content), len(queries))
    return answers


def test_pages_and_api_lists_weigh_the_same_for_20_and_200_more_members(client, cast, small, monkeypatch):
    # Small pages, so that 20 members fill them as 200 do.
    monkeypatch.setattr(views_compliance, "MEMBERS_PER_PAGE", 10)
    monkeypatch.setattr(views_dashboards, "PARTICIPANTS_PER_PAGE", 10)
    monkeypatch.setattr(views_dashboards, "UPDATES_PER_PAGE", 10)
    monkeypatch.setattr(views_dashboards, "MEMBERS_PER_PAGE", 10)
    client.force_login(cast.staff)
    grow_bulk(small, 0, 20)
    before = measure(client)
    grow_bulk(small, 20, 180)
    after = measure(client)
    grew = []
    for key, (size, queries) in before.items():
        grown, grown_queries = after[key]
        assert grown_queries == queries, (key, queries, grown_queries)
        # The same rows; only counts such as "20" becoming "200" may add a few bytes
        # (a few per figure where a response carries many figures' totals).
        if abs(grown - size) > max(64, size // 200):
            grew.append((key, size, grown))
    assert not grew


def test_the_heatmap_pages_members_and_windows_periods(client, cast, small, monkeypatch):
    monkeypatch.setattr(views_compliance, "MEMBERS_PER_PAGE", 10)
    monkeypatch.setattr(views_compliance, "PERIOD_WINDOW", 1)
    client.force_login(cast.staff)
    grow_bulk(small, 0, 25)
    response = client.get(reverse("compliance"))
    rows = [row["member"].slug for group in response.context["regions"] for row in group["rows"]]
    assert rows[:4] == ["m1", "m2", "m4", "member-a"][:len(rows[:4])] or rows[0] == "m1"
    assert len(rows) == 10 and response.context["page"].paginator.count == 29  # m1-m4, member A and 25, not m5
    # The latest period first; the totals of the whole network for it.
    assert [p.code for p in response.context["periods"]] == ["2022-Q2"]
    assert [p.code for p, _f in response.context["totals"]] == ["2022-Q2"]
    assert response.context["earlier"] == 1
    earlier = client.get(reverse("compliance"), {"earlier": 1})
    assert [p.code for p in earlier.context["periods"]] == ["2022-Q1"] and earlier.context["earlier"] == -1
    last = client.get(reverse("compliance"), {"page": 3})
    assert len([row for group in last.context["regions"] for row in group["rows"]]) == 9
    bulk = client.get(reverse("compliance"), {"region": "bulk"})
    assert {row["member"].region.slug for group in bulk.context["regions"] for row in group["rows"]} == {"bulk"}
    # Each region's row counts all its members (25 all on time in Q2), not the page's 10.
    (group,) = bulk.context["regions"]
    assert group["totals"][0].expected == 50 and group["totals"][0].value == 1.0
    assert client.get(reverse("compliance"), {"region": "nowhere"}).context["errors"]


def test_an_action_in_a_list_links_to_its_members_and_expands_them_when_asked(client, cast, small):
    client.force_login(cast.staff)
    rows = {row["code"]: row for row in client.get("/api/v1/actions/").json()["results"]}
    action = rows["1.1"]
    assert "members" not in action and action["member_count"] == 5
    assert action["members_url"].endswith(f"/api/v1/actions/1.1/members/?plan={small.plan.code}")
    page = client.get(action["members_url"], {"page_size": 2}).json()
    assert page["count"] == 5 and [m["slug"] for m in page["results"]] == ["m1", "m2"]
    assert page["results"][0] == {"slug": "m1", "name": "Alpha City", "region": "north"}
    expanded = {row["code"]: row for row in client.get("/api/v1/actions/", {"expand": "members"}).json()["results"]}
    assert expanded["1.1"]["members"] == ["m1", "m2", "m4", "m5", "member-a"]
    assert client.get("/api/v1/actions/1.1/").json()["members"] == ["m1", "m2", "m4", "m5", "member-a"]


def test_a_figures_explanation_lists_twenty_values_unless_all_are_asked_for(client, cast, small):
    """The explanation of an indicator's figure names 20 of the values behind
    it and says how many there are; `explain=full` gives them all; anything
    else for `explain` is a 400 naming the parameter."""
    client.force_login(cast.staff)
    grow_bulk(small, 0, 30)
    row = next(r for r in client.get("/api/v1/indicators/").json()["results"] if r["code"] == "1.1.a")
    explain = row["explain"]
    assert len(explain["details"]) == 20 and explain["details_total"] > 30 and explain["truncated"] is True
    full = next(r for r in client.get("/api/v1/indicators/", {"explain": "full"}).json()["results"]
                if r["code"] == "1.1.a")["explain"]
    assert len(full["details"]) == explain["details_total"] and full["truncated"] is False
    figures = client.get("/api/v1/figures/indicator-progress/").json()["data"]
    figure = next(f["figure"] for f in figures if f["indicator"] == "1.1.a")
    assert len(figure["details"]) == 20 and figure["details_total"] == explain["details_total"]
    for url in ("/api/v1/indicators/", "/api/v1/figures/"):
        for wrong in ("", "all"):
            answer = client.get(url, {"explain": wrong})
            assert answer.status_code == 400 and "explain" in answer.json()["field_errors"], (url, wrong)
