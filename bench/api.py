"""API latency benchmark (not a test): `python -m bench.api`.

Fills the database named by DATABASE_URL (PostgreSQL) with the plan, its 141
members and three years of quarterly updates (load_plan, every member taking
part in at least five actions, then the demo seed's updates), then reports p50
and p95 of

    GET /api/v1/actions/?page_size=100
    GET /api/v1/updates/?page_size=500

through the whole Django stack (middleware, token authentication, permissions,
serialization, JSON rendering), next to the time of the bare SQL query that
fetches the same rows, as a ratio. Aim: p50 under 40 ms and under 3 times the
bare query.

Options: --requests N (default 60), --skip-fill.
"""

import argparse
import os
import statistics
import sys
import time


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "metroplan.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only-not-secret")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
    import django

    django.setup()


def fill() -> None:
    import random

    from django.core.management import call_command

    from actions.models import Action, Participation, Plan
    from members.models import Member
    from reporting.demo import demo_seed

    call_command("load_plan", verbosity=0)
    plan = Plan.objects.current()
    actions = list(Action.objects.filter(goal__plan=plan).order_by("goal__order", "order"))
    existing = set(Participation.objects.values_list("action_id", "member_id"))
    rng = random.Random(2021)
    new = []
    for member in Member.objects.order_by("slug"):
        for action in rng.sample(actions, 5):
            if (action.pk, member.pk) not in existing:
                new.append(Participation(action=action, member=member, is_demo=True))
                existing.add((action.pk, member.pk))
    Participation.objects.bulk_create(new)
    demo_seed(plan=plan)


def ensure_database() -> None:
    """Create the scratch database named by DATABASE_URL if it is not there yet."""
    from django.db import connection

    name = connection.settings_dict["NAME"]
    with connection._nodb_cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')


# The bare SQL: one statement per endpoint that fetches the same
# rows with the same content as the endpoint's JSON `results`: for actions their
# goal, plan, lead, SDGs, members, indicator count and progress (by the grouped
# query the endpoint itself uses, the fastest we have); for updates their member,
# action, period, plan, users, timeliness, indicator values and evidence.
# main() checks that both return the same rows before it times anything.
def bare_actions_sql() -> str:
    from actions.api.selectors import _LATEST_MEANS_SQL  # the endpoint's own grouping of values

    return """
WITH page AS (
    SELECT a.id FROM actions_action a JOIN actions_goal g ON g.id = a.goal_id
    WHERE g.plan_id = %(plan)s ORDER BY g.plan_id, g."order", a."order", a.code LIMIT 100
),
""" + _LATEST_MEANS_SQL.format(indicators="NOT i.retired AND i.action_id IN (SELECT id FROM page)") + """,
progress AS (
    SELECT i.action_id,
           AVG(LEAST(1.0, GREATEST(0.0, COALESCE(
               (l.latest_value::float - i.baseline::float) / (i.target::float - i.baseline::float), 0.0)))) AS value,
           COUNT(*) AS indicator_count
    FROM actions_indicator i LEFT JOIN latest l ON l.indicator_id = i.id
    WHERE NOT i.retired AND i.action_id IN (SELECT id FROM page)
    GROUP BY i.action_id
)
SELECT a.code, g.code, pl.code, a.title_en, a.description_en, lead.username, a.start_date, a.end_date, a.status,
       a.weight, a."order", a.retired,
       ARRAY(SELECT s.sustainabledevelopmentgoal_id FROM actions_action_sdgs s WHERE s.action_id = a.id ORDER BY 1),
       ARRAY(SELECT m.slug FROM actions_participation pa JOIN members_member m ON m.id = pa.member_id
             WHERE pa.action_id = a.id ORDER BY m.slug),
       COALESCE(pr.indicator_count, 0),
       COALESCE(pr.value, CASE a.status WHEN 'completed' THEN 1.0 WHEN 'not_started' THEN 0.0 ELSE 0.5 END),
       a.version
FROM page
JOIN actions_action a ON a.id = page.id
JOIN actions_goal g ON g.id = a.goal_id
JOIN actions_plan pl ON pl.id = g.plan_id
LEFT JOIN auth_user lead ON lead.id = a.lead_id
LEFT JOIN progress pr ON pr.action_id = a.id
ORDER BY g.plan_id, g."order", a."order", a.code
"""


BARE_UPDATES_SQL = """
WITH page AS (
    SELECT u.id, p.start, m.name, a.code
    FROM reporting_progressupdate u
    JOIN reporting_reportingperiod p ON p.id = u.period_id
    JOIN members_member m ON m.id = u.member_id
    JOIN actions_action a ON a.id = u.action_id
    WHERE p.plan_id = %(plan)s ORDER BY p.start DESC, m.name, a.code LIMIT 500
)
SELECT u.id, m.slug, a.code, p.code, pl.code, u.state, u.status, u.narrative, u.no_change, u.reviewer_comment,
       u.created, u.modified, u.first_submitted_at, u.submitted_at, sb.username, u.reviewed_at, rb.username,
       CASE WHEN u.first_submitted_at IS NULL THEN NULL
            WHEN (u.first_submitted_at AT TIME ZONE 'UTC')::date <= p.deadline THEN 'on_time'
            WHEN EXISTS (SELECT 1 FROM reporting_periodreopening r
                         WHERE r.period_id = u.period_id AND r.member_id = u.member_id AND r.state = 'granted'
                           AND r.until >= (u.first_submitted_at AT TIME ZONE 'UTC')::date) THEN 'excused'
            ELSE 'late' END,
       u.version, u.is_demo,
       (SELECT COALESCE(json_agg(json_build_object(
                   'indicator', iv.indicator_id, 'indicator_code', i.code, 'value', iv.value,
                   'not_available', iv.not_available, 'reason', iv.not_available_reason) ORDER BY i."order", i.code),
               '[]')
        FROM reporting_indicatorvalue iv JOIN actions_indicator i ON i.id = iv.indicator_id WHERE iv.update_id = u.id),
       (SELECT COALESCE(json_agg(json_build_object(
                   'id', e.id, 'title', e.title, 'url', e.url, 'file', e.file, 'added_at', e.added_at)
                   ORDER BY e.added_at), '[]')
        FROM reporting_evidence e WHERE e.update_id = u.id)
FROM page
JOIN reporting_progressupdate u ON u.id = page.id
JOIN reporting_reportingperiod p ON p.id = u.period_id
JOIN actions_plan pl ON pl.id = p.plan_id
JOIN members_member m ON m.id = u.member_id
JOIN actions_action a ON a.id = u.action_id
LEFT JOIN auth_user sb ON sb.id = u.submitted_by_id
LEFT JOIN auth_user rb ON rb.id = u.reviewed_by_id
ORDER BY page.start DESC, page.name, page.code
"""


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def time_calls(call, n: int, warmup: int = 5) -> list[float]:
    for _ in range(warmup):
        call()
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--skip-fill", action="store_true")
    args = parser.parse_args(argv)
    _setup()

    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from actions.models import Action, Plan
    from members.models import ApiToken
    from reporting.demo import DEMO_WRITE_TOKEN
    from reporting.models import ProgressUpdate

    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        print("bench.api measures PostgreSQL: set DATABASE_URL=postgres://…/<scratch database>.", file=sys.stderr)
        return 2
    ensure_database()
    call_command("migrate", verbosity=0, interactive=False)
    if not args.skip_fill:
        print("Filling the database (idempotent)…", file=sys.stderr)
        fill()
    # Planner statistics, as autovacuum keeps them on a live database (it may
    # be off, or not have run yet, right after filling).
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    assert ApiToken.objects.filter(key_hash=ApiToken.hash_key(DEMO_WRITE_TOKEN)).exists()
    plan = Plan.objects.current()
    print(f"Data: {ProgressUpdate.objects.count()} updates, {Action.objects.count()} actions.")

    client = Client(HTTP_AUTHORIZATION=f"Token {DEMO_WRITE_TOKEN}")
    endpoints = [
        # url, bare SQL, the results' key, the bare row's key, the table's rows alone (for reference)
        ("/api/v1/actions/?page_size=100", bare_actions_sql(), lambda item: (item["code"], round(item["progress"], 9)),
         lambda row: (row[0], round(row[15], 9)), Action.objects.filter(goal__plan=plan)[:100]),
        ("/api/v1/updates/?page_size=500", BARE_UPDATES_SQL, lambda item: (item["id"], len(item["values"])),
         lambda row: (row[0], len(row[20])), ProgressUpdate.objects.filter(period__plan=plan)[:500]),
    ]
    results = []
    for url, bare_sql, api_key, bare_key, table_rows in endpoints:
        def get(url=url):
            response = client.get(url)
            assert response.status_code == 200, response.content[:300]
            return response

        def run_sql(sql=bare_sql, params={"plan": plan.pk}):  # noqa: B006 - read only
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                return cursor.fetchall()

        api_rows = [api_key(item) for item in get().json()["results"]]
        assert api_rows == [bare_key(row) for row in run_sql()], f"{url}: the bare SQL does not fetch the same rows"

        table_sql, table_params = table_rows.query.sql_with_params()

        def run_table_sql(sql=table_sql, params=table_params):
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                cursor.fetchall()

        api_ms = time_calls(get, args.requests)
        sql_ms = time_calls(run_sql, args.requests)
        table_ms = time_calls(run_table_sql, args.requests)
        results.append((url, percentile(api_ms, 0.5), percentile(api_ms, 0.95), statistics.median(sql_ms),
                        statistics.median(table_ms)))

    print(f"{'endpoint':<32} {'p50 ms':>7} {'p95 ms':>7} {'bare SQL':>9} {'p50/SQL':>8} {'table only':>11}")
    ok = True
    for url, p50, p95, sql, table in results:
        ratio = p50 / sql if sql else float("inf")
        ok = ok and p50 < 40 and ratio < 3
        print(f"{url:<32} {p50:>7.1f} {p95:>7.1f} {sql:>9.2f} {ratio:>8.1f} {table:>11.2f}")
    print("bare SQL: one statement fetching the same rows and content; table only: the page's rows of the model's")
    print("table alone, in its default order, without related rows or figures.")
    print("aim (p50 < 40 ms and < 3× bare SQL):", "met" if ok else "NOT met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
