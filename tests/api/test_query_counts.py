"""Every list endpoint runs the same number of queries for 5 rows as for 500."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from actions.models import Action, Goal, Indicator, Participation
from members.models import Member, Membership, Region
from metroplan.api.viewsets import ApiViewSet
from metroplan.testing.files import response_bytes
from reporting.figures import approved
from reporting.figures import cache as figures_cache
from reporting.models import IndicatorValue, ProgressUpdate, Report, ReportingPeriod


def grow(world, cast, n: int) -> None:
    """Bring every listed model to at least n rows (bulk inserts)."""
    plan, region = world.plan, cast.member_a.region
    existing = Goal.objects.count()
    goals = Goal.objects.bulk_create(
        [Goal(plan=plan, code=f"g{i}", title=f"Goal {i}", order=10 + i) for i in range(existing, n)]
    )
    goal = goals[0] if goals else world.goal1
    existing = Action.objects.count()
    actions = Action.objects.bulk_create(
        [Action(goal=goal, plan=plan, code=f"9.{i}", title=f"Action {i}", start_date=date(2021, 1, 1),
                end_date=date(2023, 12, 31)) for i in range(existing, n)]
    )
    existing = Indicator.objects.count()
    Indicator.objects.bulk_create(
        [Indicator(action=actions[i % len(actions)] if actions else world.action1, code=f"9.{i}.x", name=f"I{i}",
                   unit="u", baseline=Decimal(0), target=Decimal(10)) for i in range(existing, n)]
    )
    regions = range(Region.objects.count(), n)
    Region.objects.bulk_create([Region(slug=f"qc-{i}", name=f"QC region {i}") for i in regions])
    members = Member.objects.bulk_create(
        [Member(slug=f"m-{i}", name=f"M {i}", country="Spain", country_code="ES", region=region,
                latitude=Decimal(1), longitude=Decimal(1)) for i in range(Member.objects.count(), n)]
    )
    Membership.objects.bulk_create([Membership(member=m, start=date(2020, 1, 1)) for m in members])
    Participation.objects.bulk_create([Participation(action=world.action1, member=m) for m in members])
    for action in actions[:20]:
        action.participants.add(cast.member_a)
    start = date(2000, 1, 1)
    periods = ReportingPeriod.objects.bulk_create(
        [ReportingPeriod(plan=plan, code=f"p{i}", start=start + timedelta(days=i), end=start + timedelta(days=i),
                         deadline=start + timedelta(days=i + 30)) for i in range(ReportingPeriod.objects.count(), n)]
    )
    updates = ProgressUpdate.objects.bulk_create(
        [ProgressUpdate(member=members[i % len(members)] if members else cast.member_a, action=world.action1,
                        period=world.period if not periods else periods[i % len(periods)], state="approved",
                        narrative="x", first_submitted_at=f"2021-01-0{1 + i % 9}T00:00:00Z")
         for i in range(ProgressUpdate.objects.count(), n)]
    )
    IndicatorValue.objects.bulk_create(
        [IndicatorValue(update=u, indicator=world.indicator1, value=Decimal(1)) for u in updates]
    )
    approved.refresh(u.pk for u in updates)  # bulk inserts send no signal
    Report.objects.bulk_create(
        # Finished: the only reports a focal point sees.
        [Report(plan=plan, kind="monthly", period=world.period, as_of=date(2022, 1, 1) + timedelta(days=i),
                state="done")
         for i in range(Report.objects.count(), n)]
    )
    if Report.objects.count() == 0:
        Report.objects.create(plan=plan, kind="monthly", period=world.period, as_of=date(2022, 1, 1), state="done")


# cold and warm passes, before and after growing: one quarter of an hour's figures
pytestmark = pytest.mark.usefixtures("one_quarter_hour")

LISTS = ["plans", "goals", "actions", "indicators", "members", "regions", "periods", "updates", "reports"]
# Each list as JSON pages, as a whole CSV download (not paged: every row), and
# sorted by a figure where it has one.
VARIANTS = [
    *[(name, "page_size=500") for name in LISTS],
    *[(name, "format=csv") for name in LISTS],
    *[(name, "page_size=500&ordering=-progress") for name in ("plans", "goals", "actions", "indicators")],
]


def rows_of(response, body: bytes) -> int:
    if response["Content-Type"].startswith("text/csv"):
        return len(body.decode().splitlines()) - 1  # the header
    return response.json()["count"]


@pytest.mark.parametrize("name, query", VARIANTS)
@pytest.mark.parametrize("actor", ["staff", "focal_a"])
def test_list_query_count_is_the_same_for_5_and_500_rows(name, query, actor, world, cast, api, keys, monkeypatch):
    # A whole CSV is read a chunk of rows at a time (a fixed number of queries per chunk of 500):
    # here one chunk holds every row, so that 5 and 500 rows compare.
    monkeypatch.setattr(ApiViewSet, "CSV_CHUNK", 10_000)
    client = api(keys[actor])
    url = f"/api/v1/{name}/?{query}"
    grow(world, cast, 5)
    client.get(url)  # warm-up: the token's last_used_at is written once a minute

    def count():
        """Queries with the figures computed (cold) and read from the cache (warm)."""
        figures_cache.bump()  # the bulk inserts of grow() send no signals
        counts, statements = [], []
        for _cold_then_warm in range(2):
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url)
                body = response_bytes(response)
            assert response.status_code == 200, body[:300]
            counts.append(len(queries))
            statements.append([q["sql"][:160] for q in queries.captured_queries])
        return tuple(counts), rows_of(response, body), statements

    few, rows_few, few_sql = count()
    grow(world, cast, 500)
    many, rows_many, many_sql = count()
    assert rows_many > rows_few or name == "plans"
    assert few == many, (
        f"{name}?{query}: {few} queries for {rows_few} rows, {many} for {rows_many}\n"
        + "\n---\n".join("\n".join(sql) for sql in (*few_sql, *many_sql))
    )
