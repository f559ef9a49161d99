"""Indexes for the filters people use, checked with EXPLAIN on PostgreSQL.

On a plan ten times today's (1,410 members would give ~100,000 updates; here a
share of it that fills the tables enough for the planner: 400 members × 10
actions × 12 periods = 48,000 updates, analysed), every query a list runs for
its default page and for each filter people use (member, action, period,
state, region) reads the updates table through an index, never by a
sequential scan. The default page (every visible update, newest period first)
must read through an index once sequential scans are discouraged
(`enable_seqscan = off`: a plan that still scans has no index to use).

PostgreSQL only (CI runs the suite with DATABASE_URL on PostgreSQL); on SQLite
the test is skipped."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from actions.models import Participation
from members.models import Member, Membership
from metroplan.testing import factories as f

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="EXPLAIN plans are PostgreSQL's"),
]

TABLE = "reporting_progressupdate"
MEMBERS, ACTIONS, PERIODS = 400, 10, 12


@pytest.fixture
def tenfold(cast):
    from datetime import date

    plan = f.PlanFactory(code="2021-2023")
    goal = f.GoalFactory(plan=plan, code="1", order=1)
    actions = [f.ActionFactory(goal=goal, code=f"1.{i}", order=i) for i in range(1, ACTIONS + 1)]
    for i in range(PERIODS):
        year, quarter = 2021 + i // 4, i % 4
        f.ReportingPeriodFactory(plan=plan, code=f"{year}-Q{quarter + 1}", start=date(year, 3 * quarter + 1, 1),
                                 end=date(year, 3 * quarter + 3, 28), deadline=date(year, 3 * quarter + 3, 28))
    regions = [f.RegionFactory(slug=f"r{i}", name=f"Tenfold region {i}", order=i) for i in range(5)]
    members = Member.objects.bulk_create([
        Member(slug=f"city-{i:04d}", name=f"City {i:04d}", country="Spain", country_code="ES",
               region=regions[i % 5], latitude=0, longitude=0)
        for i in range(MEMBERS)
    ])
    Membership.objects.bulk_create([Membership(member=m, start=date(2020, 1, 1)) for m in members])
    Participation.objects.bulk_create([Participation(action=a, member=m) for m in members for a in actions])
    states = "ARRAY['approved','approved','approved','submitted','draft','returned']"
    with connection.cursor() as cursor:
        cursor.execute(f"""
            INSERT INTO {TABLE} (member_id, action_id, period_id, state, status, narrative, no_change,
                                 reviewer_comment, created, modified, first_submitted_at, submitted_at,
                                 reviewed_at, version, is_demo)
            SELECT m.id, a.id, p.id, ({states})[1 + (m.id + a.id + p.id) %% 6], 'on_track', 'Progress.', false,
                   'Please add the figures.', now(), now(), p.deadline - 3, p.deadline - 3, p.deadline + 5, 1, false
            FROM members_member m CROSS JOIN actions_action a CROSS JOIN reporting_reportingperiod p
            WHERE m.slug LIKE 'city-%%' AND a.id = ANY(%s) AND p.plan_id = %s
        """, [[a.pk for a in actions], plan.pk])
        cursor.execute(f"ANALYZE {TABLE}; ANALYZE members_member; ANALYZE actions_participation;"
                       "ANALYZE reporting_reportingperiod; ANALYZE actions_action;")
    return plan


def update_queries(client, url, params=None) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
    assert response.status_code == 200, (url, params, response.content[:300])
    return [q["sql"] for q in captured.captured_queries if TABLE in q["sql"] and q["sql"].lstrip().startswith("SELECT")]


def plan_nodes(sql: str) -> list[dict]:
    """Every node of the query's plan (EXPLAIN, not run)."""
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    nodes, stack = [], [plan[0]["Plan"]]
    while stack:
        node = stack.pop()
        nodes.append(node)
        stack.extend(node.get("Plans", []))
    return nodes


def seq_scans(sql: str) -> list[str]:
    return [node.get("Filter", "(no filter)") for node in plan_nodes(sql)
            if node.get("Node Type") == "Seq Scan" and node.get("Relation Name") == TABLE]


FILTERED = [
    ("/api/v1/updates/", {"member": "city-0007"}),
    ("/api/v1/updates/", {"action": "1.3"}),
    ("/api/v1/updates/", {"period": "2022-Q2"}),
    ("/api/v1/updates/", {"state": "submitted"}),
    ("/api/v1/updates/", {"member": "city-0007", "period": "2022-Q2"}),
    ("/api/v1/updates/", {"region": "r2", "state": "submitted", "period": "2022-Q2"}),
    ("/updates/review/", {}),
    ("/members/city-0007/", {}),
    ("/", {}),  # staff's home: the review queue's count and its oldest
]


def test_the_lists_filters_read_the_updates_through_an_index(client, cast, tenfold):
    client.force_login(cast.staff)
    scans, checked = {}, set()
    for url, params in FILTERED:
        for sql in update_queries(client, url, params):
            if "COUNT(" in sql.upper() or "LIMIT" in sql.upper():  # the page and its count, not the figures
                checked.add((url, tuple(params.items())))
                found = seq_scans(sql)
                if found:
                    scans[(url, tuple(params.items()))] = found
    assert len(checked) == len(FILTERED)  # every list ran its page's query
    assert not scans


def sorts(sql: str) -> list:
    return [node.get("Sort Key") for node in plan_nodes(sql) if "Sort" in node.get("Node Type", "")]


def test_the_review_queue_reads_its_oldest_in_order_from_an_index(client, cast, tenfold):
    """Staff's home and the review page show the oldest submitted updates
    first: read in the index's order, not by sorting every waiting update."""
    client.force_login(cast.staff)
    for url in ("/", "/updates/review/"):
        oldest_first = 'ORDER BY "reporting_progressupdate"."submitted_at" ASC'
        pages = [sql for sql in update_queries(client, url) if oldest_first in sql and "LIMIT" in sql]
        assert pages, url
        assert not {sql[:200]: sorts(sql) for sql in pages if sorts(sql)}, url


def test_the_default_page_of_updates_can_be_read_through_an_index(client, cast, tenfold):
    client.force_login(cast.staff)
    queries = update_queries(client, "/api/v1/updates/") + update_queries(client, "/api/v1/updates/", {"page": 40})
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    try:
        scans = {sql[:300]: seq_scans(sql) for sql in queries}
        assert scans
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = on")
    assert not {sql: found for sql, found in scans.items() if found}
