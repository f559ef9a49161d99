"""A page of the change feed and a `modified_after` list cost the same whatever
the history's length: checked on the query plans (EXPLAIN), on SQLite and
PostgreSQL alike, not on a clock.

- The feed's page is read in the feed's order through an index, from the
  cursor, and stops after the page: no scan of the table, no sort of every
  change after the cursor (which would grow with the history), for staff, a
  member's focal point and a read token, at the start and deep in the history.
- A list filtered on `modified_after` finds its rows through the `modified`
  index, not by reading the table.

PostgreSQL runs the plans with sequential scans discouraged
(`enable_seqscan = off`): a plan that still scans has no index it can use.
bench/sync.py times the same at 1× and 10× (docs/performance.md)."""

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from members.models import Member
from metroplan.api.changes import cursor_for
from metroplan.models import Change

HISTORY = 3000


@pytest.fixture
def long_history(world, cast):
    Change.objects.bulk_create([
        Change(object_type="member", object_id=cast.member_a.pk, object_key="member-a", kind="updated",
               changed_fields=["name"], state={"key": "member-a", "name": f"A {n}"}, public=n % 3 != 0,
               member_id=None if n % 3 else cast.member_b.pk)
        for n in range(HISTORY)
    ], batch_size=500)
    Member.objects.bulk_create([
        Member(slug=f"old-{n}", name=f"Old {n}", country="Spain", country_code="ES", region=cast.member_a.region,
               latitude=0, longitude=0) for n in range(HISTORY)
    ], batch_size=500)
    Member.objects.filter(slug__startswith="old-").update(modified=timezone.now() - timedelta(days=400))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
    return Change.objects.order_by("pk").values_list("pk", flat=True)


def _queries_on(client, url, params, table) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200, response.content[:300]
    return [q["sql"] for q in captured.captured_queries
            if q["sql"].lstrip().startswith("SELECT") and f'FROM "{table}"' in q["sql"]]


def _postgresql_problems(sql: str, table: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    problems, stack = [], [plan[0]["Plan"]]
    while stack:
        node = stack.pop()
        if node["Node Type"] == "Seq Scan" and node.get("Relation Name") == table:
            problems.append(f"Seq Scan on {table}")
        if node["Node Type"] in ("Sort", "Incremental Sort"):
            problems.append(f"{node['Node Type']} by {node.get('Sort Key')}")
        stack += node.get("Plans", [])
    return problems


def _sqlite_problems(sql: str, table: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql)
        details = [row[-1] for row in cursor.fetchall()]
    return [d for d in details if d.startswith(f"SCAN {table}") and "USING" not in d or "TEMP B-TREE" in d]


def problems(sql: str, table: str) -> list[str]:
    if connection.vendor == "postgresql":
        return _postgresql_problems(sql, table)
    return _sqlite_problems(sql, table)


@pytest.mark.parametrize("who", ["staff", "focal_a", "read"])
def test_a_feed_page_is_read_by_keyset_through_an_index_at_any_depth(long_history, api, keys, who):
    client = api(keys[who])
    ids = list(long_history)
    for after in (None, ids[len(ids) // 2], ids[-150]):
        params = {"page_size": 100} | ({"after": cursor_for(after)} if after else {})
        [sql] = _queries_on(client, "/api/v1/changes/", params, "metroplan_change")
        assert "LIMIT 101" in sql
        assert problems(sql, "metroplan_change") == [], (who, after, sql)


def test_a_modified_after_list_finds_its_rows_through_the_modified_index(long_history, staff_api):
    since = (timezone.now() - timedelta(days=1)).isoformat()
    queries = _queries_on(staff_api, "/api/v1/members/", {"modified_after": since}, "members_member")
    filtered = [sql for sql in queries if '"modified" >=' in sql]
    assert filtered
    for sql in filtered:
        found = problems(sql, "members_member")
        assert not [p for p in found if "Seq Scan" in p or p.startswith("SCAN")], (found, sql)
