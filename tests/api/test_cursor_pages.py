"""Cursor (keyset) pages of every list: `cursor=start`, then each page's
`next`; every row once, in id order, even while rows are added; a cursor the
list did not give is a 400 naming `cursor`; a deep page reads the primary
key's index on PostgreSQL (no OFFSET, no count)."""

import json
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from members.models import Member
from metroplan.api.pagination import encode_cursor
from metroplan.testing import factories as f
from reporting.models import Report

from .test_lists import LISTS


@pytest.fixture
def staff_api(api, keys):
    return api(keys["staff"])


def page_through(client, url, params, *, between=None) -> list[dict]:
    """Every row of a list by cursor pages; `between()` runs after each page."""
    body = client.get(url, {**params, "cursor": "start"}).json()
    rows = []
    while True:
        assert set(body) == {"next", "previous", "results"}, body
        assert body["previous"] is None
        rows += body["results"]
        if between:
            between()
        if body["next"] is None:
            return rows
        assert "cursor=" in body["next"]
        response = client.get(body["next"])
        assert response.status_code == 200, response.content[:300]
        body = response.json()


@pytest.mark.parametrize("name", LISTS)
def test_every_list_pages_by_cursor_giving_each_row_once_in_id_order(name, world, staff_api):
    for period in (world.closed_period, world.period):
        Report.objects.create(plan=period.plan, kind="period", period=period, as_of=period.end, state="done")
    url = f"/api/v1/{name}/"
    by_page = staff_api.get(url, {"page_size": 500}).json()["results"]
    rows = page_through(staff_api, url, {"page_size": 1})
    assert len(rows) == len(by_page) > 0
    assert sorted(json.dumps(row, sort_keys=True) for row in rows) == sorted(
        json.dumps(row, sort_keys=True) for row in by_page)


def test_members_added_while_paging_come_after_and_every_row_comes_once(world, staff_api, cast):
    region = f.RegionFactory(slug="late", name="Late region")
    for n in range(5):
        f.MemberFactory(slug=f"early-{n}", name=f"Early {n}", region=region)
    added = []

    def add_one():
        added.append(f.MemberFactory(slug=f"late-{len(added)}", name=f"Late {len(added)}", region=region).slug)

    before = list(Member.objects.order_by("pk").values_list("slug", flat=True))
    seen = [row["slug"] for row in page_through(staff_api, "/api/v1/members/", {"page_size": 2}, between=add_one)]
    assert len(seen) == len(set(seen))  # none twice
    assert seen[:len(before)] == before  # none left out, in id order
    assert seen[len(before):] == added[:len(seen) - len(before)]  # those added while paging after, in order


def test_updates_by_cursor_keep_the_filters(world, staff_api):
    rows = page_through(staff_api, "/api/v1/updates/", {"page_size": 1, "state": "approved"})
    assert rows and {row["state"] for row in rows} == {"approved"}
    assert [row["id"] for row in rows] == sorted(row["id"] for row in rows)
    everything = staff_api.get("/api/v1/updates/", {"page_size": 500, "state": "approved"}).json()
    assert len(rows) == everything["count"]


@pytest.mark.parametrize(
    "params",
    [
        {"cursor": "not-a-cursor"},
        {"cursor": "aWQ6LTE"},  # "id:-1": made up, not given
        {"cursor": ""},
        {"cursor": "start", "page": 2},
    ],
)
def test_a_cursor_the_list_did_not_give_is_400_naming_it(params, world, staff_api):
    response = staff_api.get("/api/v1/updates/", params)
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid"
    assert "cursor" in body["field_errors"]


def test_cursor_pages_are_in_id_order_so_ordering_is_refused(world, staff_api):
    response = staff_api.get("/api/v1/members/", {"cursor": "start", "ordering": "name"})
    assert response.status_code == 400
    assert "ordering" in response.json()["field_errors"]


def test_the_schema_documents_the_cursor(client, db):
    import yaml

    schema = yaml.safe_load(client.get("/api/schema/").content)
    for path in ("/api/v1/updates/", "/api/v1/members/"):
        parameters = {p["name"]: p for p in schema["paths"][path]["get"]["parameters"]}
        assert "cursor" in parameters and "start" in parameters["cursor"]["description"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="EXPLAIN plans are PostgreSQL's")
def test_a_deep_cursor_page_of_updates_reads_the_primary_key_index(world, staff_api, cast):
    """10,000 updates beyond the fixture's: a page far down the list is read
    from the primary key's index (id > last), with no OFFSET and no count."""
    plan = world.action1.goal.plan
    periods = [f.ReportingPeriodFactory(plan=plan, code=f"19{n:02d}-Q1", start=date(1900 + n, 1, 1),
                                        end=date(1900 + n, 3, 31), deadline=date(1900 + n, 4, 30))
               for n in range(25)]
    members = [f.MemberFactory(slug=f"deep-{n:03d}") for n in range(400)]
    with connection.cursor() as cursor:
        cursor.execute("""
            INSERT INTO reporting_progressupdate (member_id, action_id, period_id, state, status, narrative,
                no_change, reviewer_comment, created, modified, version, is_demo)
            SELECT m.id, %s, p.id, 'draft', '', 'Deep.', false, '', now(), now(), 1, false
            FROM members_member m CROSS JOIN reporting_reportingperiod p
            WHERE m.slug LIKE 'deep-%%' AND p.id = ANY(%s)
        """, [world.action1.pk, [p.pk for p in periods]])
        cursor.execute("ANALYZE reporting_progressupdate; ANALYZE members_member; ANALYZE reporting_reportingperiod")
        cursor.execute("SELECT id FROM reporting_progressupdate ORDER BY id OFFSET 9000 LIMIT 1")
        deep = cursor.fetchone()[0]
    assert len(members) * len(periods) == 10_000
    with CaptureQueriesContext(connection) as captured:
        response = staff_api.get("/api/v1/updates/", {"cursor": encode_cursor(deep), "page_size": 50})
    assert response.status_code == 200, response.content[:300]
    assert response.json()["results"][0]["id"] > deep
    page = [q["sql"] for q in captured.captured_queries
            if "reporting_progressupdate" in q["sql"] and "LIMIT" in q["sql"].upper()]
    assert page and not [sql for sql in page if "OFFSET" in sql.upper()]
    assert not [q["sql"] for q in captured.captured_queries if "COUNT(" in q["sql"].upper()
                and "reporting_progressupdate" in q["sql"]]
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + page[0])
        plan_json = cursor.fetchone()[0]
    plan_json = json.loads(plan_json) if isinstance(plan_json, str) else plan_json
    scans = []

    def walk(node):
        if node.get("Relation Name") == "reporting_progressupdate":
            scans.append((node["Node Type"], node.get("Index Name")))
        for child in node.get("Plans", []):
            walk(child)

    walk(plan_json[0]["Plan"])
    assert ("Index Scan", "reporting_progressupdate_pkey") in scans or (
        "Index Only Scan", "reporting_progressupdate_pkey") in scans, scans
