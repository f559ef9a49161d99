"""API lists side by side (not a test): `python -m bench.api`, or `make bench`.

Fills the PostgreSQL database named by DATABASE_URL (created if missing) with
the plan, its 141 members, three years of quarterly demo updates and some
reports, runs ANALYZE, then for each API list (plans, goals, actions,
indicators, members, regions, periods, updates, reports), with `page_size=500`,
times in one run over the same rows:

  endpoint  GET /api/v1/<list>/ through the whole Django stack (test client:
            middleware, token authentication, throttling, permissions,
            filters, serialization, JSON), whatever the endpoint does;
  plain     the same list written as a typical team would (bench/plain.py:
            ModelViewSet + ModelSerializer, select_related/prefetch_related,
            figures per object), through the same stack under /plain/;
  SQL       one hand-written statement for the same rows and figures
            (bench/sql.py), executed and fetched through Django's connection.

Before timing, it checks that the three give the same rows with the same
figures. It prints p50 and p95 of each, the endpoint's ratio to SQL and plain
DRF's ratio to the endpoint, against the targets (endpoint ≥ 2× faster than
plain DRF, and within 3× of SQL), and writes them as JSON (`--json`).

Options: --requests N (default 30), --skip-fill, --only LIST [LIST ...],
--json PATH (default var/bench/api.json).
"""

import argparse
import json
import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path

LISTS = ["plans", "goals", "actions", "indicators", "members", "regions", "periods", "updates", "reports"]
TARGET_PLAIN_OVER_ENDPOINT = 2.0
TARGET_ENDPOINT_OVER_SQL = 3.0


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "metroplan.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only-not-secret")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
    # Throttling still runs (one cache call a request), but never refuses the bench.
    os.environ.setdefault("API_THROTTLE_TOKEN", "1000000/hour")
    # The bench talks plain HTTP to the app, as the TLS proxy in front of it would.
    os.environ.setdefault("HTTPS_BY_PROXY", "1")
    os.environ.setdefault("LOG_LEVEL", "WARNING")  # no line per request in the bench's output
    import django

    django.setup()
    from django.test.utils import override_settings

    override_settings(ROOT_URLCONF="bench.urls").enable()


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
    fill_reports(plan)


def fill_reports(plan) -> None:
    """Eight reports a period (period close, three monthly, four on demand), built."""
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from reporting.models import Report

    if Report.objects.filter(plan=plan).exists():
        return
    staff = get_user_model().objects.filter(is_staff=True).order_by("pk").first()
    now = timezone.now()
    reports = []
    for period in plan.periods.all():
        dates = [("period", period.end)]
        dates += [("monthly", period.end + timedelta(days=30 * n)) for n in (1, 2, 3)]
        dates += [("on_demand", period.end + timedelta(days=n)) for n in (3, 5, 8, 13)]
        for kind, as_of in dates:
            reports.append(Report(plan=plan, period=period, kind=kind, as_of=as_of, state="done", attempts=1,
                                  html="<p>Report</p>", requested_by=staff, started_at=now, finished_at=now))
    Report.objects.bulk_create(reports)


def ensure_database() -> None:
    """Create the scratch database named by DATABASE_URL if it is not there yet."""
    from django.db import connection

    name = connection.settings_dict["NAME"]
    with connection._nodb_cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')


# --- what "the same rows and figures" means, per list ------------------------------------

def _r(value):
    return None if value is None else round(float(value), 6)


def _compliance(item) -> tuple:
    c = item["compliance"]
    if c is None:
        return (None,)
    return (c["period"], c["expected"], c["on_time"], c["late"], c["excused"], c["missing"], c["due"],
            _r(c["rate"]))


API_KEYS = {
    "plans": lambda i: (i["code"], _r(i["progress"]), i["goal_count"], i["action_count"]),
    "goals": lambda i: (i["code"], _r(i["progress"]), i["action_count"], list(i["sdgs"])),
    "actions": lambda i: (i["code"], _r(i["progress"]), i["indicator_count"], list(i["sdgs"]), list(i["members"])),
    "indicators": lambda i: (i["id"], i["latest_value"], _r(i["progress"]), len(i["milestones"])),
    "members": lambda i: (i["slug"], i["region"], *_compliance(i)),
    "regions": lambda i: (i["slug"], i["member_count"], *_compliance(i)),
    "periods": lambda i: (i["code"], i["update_count"], i["submitted_count"], i["approved_count"]),
    "updates": lambda i: (i["id"], i["member"], i["timeliness"], len(i["values"]), len(i["evidence"])),
    "reports": lambda i: (i["id"], i["period"], i["state"], i["files"]["html"]),
}


def _sql_compliance(row, start: int) -> tuple:
    if row[start] is None:
        return (None,)
    return (row[start], *row[start + 1:start + 7], _r(row[start + 7]))


SQL_KEYS = {
    "plans": lambda r: (r[0], _r(r[7]), r[8], r[9]),
    "goals": lambda r: (r[0], _r(r[8]), r[9], list(r[5])),
    "actions": lambda r: (r[0], _r(r[15]), r[14], list(r[12]), list(r[13])),
    "indicators": lambda r: (r[0], None if r[12] is None else f"{r[12]:.2f}", _r(r[13]), len(r[11])),
    "members": lambda r: (r[0], r[4], *_sql_compliance(r, 11)),
    "regions": lambda r: (r[0], r[3], *_sql_compliance(r, 4)),
    "periods": lambda r: (r[0], r[7], r[8], r[9]),
    "updates": lambda r: (r[0], r[1], r[17], len(r[20]), len(r[21])),
    "reports": lambda r: (r[0], r[3], r[5], r[14]),
}


def first_difference(a: list, b: list) -> str:
    if len(a) != len(b):
        return f"{len(a)} rows against {len(b)}"
    for left, right in zip(a, b, strict=True):
        if left != right:
            return f"{left!r} against {right!r}"
    return ""


# --- timing ----------------------------------------------------------------------------------

def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def timed(call) -> float:
    start = time.perf_counter()
    call()
    return (time.perf_counter() - start) * 1000


def stack_floor(client, requests: int) -> dict:
    """p50 and p95 of the cheapest request through the same stack (bench.plain.EmptyView)."""
    def call():
        assert client.get("/plain/empty/").status_code == 200

    for _ in range(5):
        call()
    values = [timed(call) for _ in range(requests * 3)]
    return {"p50": statistics.median(values), "p95": percentile(values, 0.95)}


def measure(name: str, client, plan_id: int, requests: int, floor: dict) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bench.sql import STATEMENTS

    params = {"plan": plan_id, "today": date.today(), "limit": 500}

    def get(prefix):
        def call():
            # An action in the API's list links to its members; the slugs (which plain DRF and the SQL
            # give) only with expand=members.
            expand = "&expand=members" if name == "actions" and prefix == "api/v1" else ""
            response = client.get(f"/{prefix}/{name}/?page_size=500{expand}")
            assert response.status_code == 200, (prefix, name, response.content[:300])
            return response.json()["results"]
        return call

    def run_sql():
        with connection.cursor() as cursor:
            cursor.execute(STATEMENTS[name], params)
            return cursor.fetchall()

    endpoint, plain = get("api/v1"), get("plain")
    key = API_KEYS[name]
    endpoint_rows = [key(item) for item in endpoint()]
    plain_rows = [key(item) for item in plain()]
    sql_rows = [SQL_KEYS[name](row) for row in run_sql()]
    differences = {
        "plain": first_difference(endpoint_rows, plain_rows),
        "sql": first_difference(endpoint_rows, sql_rows),
    }
    queries = {}
    for label, call in (("endpoint", endpoint), ("plain", plain)):
        with CaptureQueriesContext(connection) as captured:
            call()
        queries[label] = len(captured)

    samples = {"endpoint": [], "plain": [], "sql": []}
    for _ in range(3):  # warm-up
        endpoint(), plain(), run_sql()
    for _ in range(requests):  # interleaved, so that a busy moment weighs on all three
        samples["endpoint"].append(timed(endpoint))
        samples["plain"].append(timed(plain))
        samples["sql"].append(timed(run_sql))
    result = {"list": name, "rows": len(endpoint_rows), "queries": queries, "differences": differences}
    for label, values in samples.items():
        result[label] = {"p50": statistics.median(values), "p95": percentile(values, 0.95)}
    result["endpoint_over_sql"] = result["endpoint"]["p50"] / result["sql"]["p50"]
    # What the endpoint costs beyond the request's fixed price, against the SQL.
    result["endpoint_over_sql_plus_floor"] = result["endpoint"]["p50"] / (result["sql"]["p50"] + floor["p50"])
    result["plain_over_endpoint"] = result["plain"]["p50"] / result["endpoint"]["p50"]
    result["meets"] = {
        "2x_faster_than_plain": result["plain_over_endpoint"] >= TARGET_PLAIN_OVER_ENDPOINT,
        "within_3x_of_sql": result["endpoint_over_sql"] <= TARGET_ENDPOINT_OVER_SQL,
    }
    return result


def print_table(results: list[dict], floor: dict) -> None:
    print(f"floor of the stack (an authenticated GET that reads nothing): p50 {floor['p50']:.1f} ms, "
          f"p95 {floor['p95']:.1f} ms")
    head = (f"{'list':<11} {'rows':>4} {'endpoint p50 (p95)':>19} {'plain p50 (p95)':>19} {'SQL p50 (p95)':>15} "
            f"{'end/SQL':>7} {'end/(SQL+floor)':>15} {'plain/end':>9} {'queries e/p':>11}  same rows")
    print(head)
    print("-" * len(head))
    for r in results:
        same = "yes" if not any(r["differences"].values()) else "NO: " + "; ".join(
            f"{k}: {v}" for k, v in r["differences"].items() if v)
        print(f"{r['list']:<11} {r['rows']:>4} "
              f"{r['endpoint']['p50']:>9.1f} ({r['endpoint']['p95']:>6.1f}) "
              f"{r['plain']['p50']:>9.1f} ({r['plain']['p95']:>6.1f}) "
              f"{r['sql']['p50']:>6.1f} ({r['sql']['p95']:>6.1f}) "
              f"{r['endpoint_over_sql']:>6.1f}× {r['endpoint_over_sql_plus_floor']:>14.1f}× "
              f"{r['plain_over_endpoint']:>8.1f}× "
              f"{r['queries']['endpoint']:>5}/{r['queries']['plain']:<5}  {same}")
    missed = [f"{r['list']} ({', '.join(k for k, ok in r['meets'].items() if not ok)})"
              for r in results if not all(r["meets"].values())]
    verdict = "met by every list" if not missed else "NOT met: " + ", ".join(missed)
    print(f"targets: endpoint ≥ {TARGET_PLAIN_OVER_ENDPOINT:g}× faster than plain DRF, within "
          f"{TARGET_ENDPOINT_OVER_SQL:g}× of SQL: {verdict}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--skip-fill", action="store_true")
    parser.add_argument("--only", nargs="+", choices=LISTS, default=LISTS)
    parser.add_argument("--json", default="var/bench/api.json")
    args = parser.parse_args(argv)
    _setup()

    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from actions.models import Plan
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
    with connection.cursor() as cursor:  # planner statistics, as autovacuum keeps them
        cursor.execute("ANALYZE")
    from reporting.figures import cache as figures_cache

    figures_cache.bump()  # the bulk fill sends no signals: the figures are computed once, then cached
    assert ApiToken.objects.filter(key_hash=ApiToken.hash_key(DEMO_WRITE_TOKEN)).exists()
    plan = Plan.objects.current()
    print(f"Data: {ProgressUpdate.objects.count()} updates; {args.requests} requests each, interleaved; "
          f"page_size=500; times in ms.")

    client = Client(HTTP_AUTHORIZATION=f"Token {DEMO_WRITE_TOKEN}")
    floor = stack_floor(client, args.requests)
    results = [measure(name, client, plan.pk, args.requests, floor) for name in args.only]
    print_table(results, floor)
    path = Path(args.json)
    path.parent.mkdir(parents=True, exist_ok=True)
    load = os.getloadavg()
    report = {"requests": args.requests, "load_average": load, "floor": floor, "lists": results}
    path.write_text(json.dumps(report, indent=2))
    print(f"load average {load[0]:.1f}; written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
