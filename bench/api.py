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

    call_command("migrate", verbosity=0, interactive=False)
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
    from django.db import connection
    from django.test import Client

    from actions.models import Action, Plan
    from members.models import ApiToken
    from reporting.demo import DEMO_WRITE_TOKEN
    from reporting.models import ProgressUpdate

    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        print("warning: DATABASE_URL is not PostgreSQL; the figures are not the ones that count.", file=sys.stderr)
    if not args.skip_fill:
        print("Filling the database (idempotent)…", file=sys.stderr)
        fill()
    if connection.vendor == "postgresql":
        # Planner statistics, as autovacuum keeps them on a live database (it may
        # be off, or not have run yet, right after filling).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    assert ApiToken.objects.filter(key_hash=ApiToken.hash_key(DEMO_WRITE_TOKEN)).exists()
    plan = Plan.objects.current()
    print(f"Data: {ProgressUpdate.objects.count()} updates, {Action.objects.count()} actions.")

    client = Client(HTTP_AUTHORIZATION=f"Token {DEMO_WRITE_TOKEN}")
    bare = {
        "/api/v1/actions/?page_size=100": Action.objects.filter(goal__plan=plan)[:100],
        "/api/v1/updates/?page_size=500": ProgressUpdate.objects.filter(period__plan=plan)[:500],
    }
    rows = []
    for url, queryset in bare.items():
        def get(url=url):
            response = client.get(url)
            assert response.status_code == 200, response.content[:300]

        api_ms = time_calls(get, args.requests)
        sql, params = queryset.query.sql_with_params()

        def run_sql(sql=sql, params=params):
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                cursor.fetchall()

        sql_ms = time_calls(run_sql, args.requests)
        rows.append((url, percentile(api_ms, 0.5), percentile(api_ms, 0.95), statistics.median(sql_ms)))

    print(f"{'endpoint':<36} {'p50 ms':>8} {'p95 ms':>8} {'bare SQL ms':>12} {'p50/SQL':>8}")
    ok = True
    for url, p50, p95, sql in rows:
        ratio = p50 / sql if sql else float("inf")
        ok = ok and p50 < 40 and ratio < 3
        print(f"{url:<36} {p50:>8.1f} {p95:>8.1f} {sql:>12.2f} {ratio:>8.1f}")
    print("aim (p50 < 40 ms and < 3× bare SQL):", "met" if ok else "NOT met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
