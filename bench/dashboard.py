"""Benchmark of the overview page (`/`), not part of the test suite.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/metroplan_dash python -m bench.dashboard

Builds a throw-away database (`test_<name>`, dropped at the end), loads the plan,
the 141 members and twelve quarterly periods, seeds three years of quarterly
updates (the demo seed: participations, submissions, approvals, indicator
values), and times the server side of GET / (request in, response out, in
process: URL routing, queries, template) for a signed-in staff user. Then it
multiplies members, participations and updates by ten and times it again.

Targets (issue #6): p50 under 150 ms at 1×, under 300 ms at 10×.
"""

import argparse
import os
import statistics
import sys
import time

TARGETS_MS = {1: 150, 10: 300}


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "metroplan.settings_test")
    os.environ.setdefault("LOG_LEVEL", "WARNING")  # no line per request in the bench's output
    import django

    django.setup()


def seed(scale: int) -> dict:
    """Load the plan and members, seed the demo updates, and scale them up."""
    from django.core.management import call_command

    from reporting.demo import demo_seed

    call_command("load_plan", verbosity=0, stdout=open(os.devnull, "w"))
    demo_seed()
    if scale > 1:
        multiply(scale)
    analyze()
    return counts()


def analyze() -> None:
    """Fresh planner statistics and visibility map, as autovacuum would have
    in production a while after the bulk load (without the map, a count that
    an index answers reads the table too)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


def counts() -> dict:
    from actions.models import Participation
    from members.models import Member
    from reporting.models import IndicatorValue, ProgressUpdate

    return {
        "members": Member.objects.count(),
        "participations": Participation.objects.count(),
        "updates": ProgressUpdate.objects.count(),
        "values": IndicatorValue.objects.count(),
    }


def multiply(scale: int) -> None:
    """Add (scale − 1) copies of every member, each with the original's
    memberships, participations, updates and indicator values."""
    from django.db import transaction

    from actions.models import Participation
    from members.models import Member, Membership
    from reporting.figures import approved as approved_values
    from reporting.models import IndicatorValue, ProgressUpdate

    originals = list(Member.objects.all())
    memberships = list(Membership.objects.all())
    participations = list(Participation.objects.all())
    updates = list(ProgressUpdate.objects.all())
    values = list(IndicatorValue.objects.all())
    values_by_update: dict[int, list] = {}
    for value in values:
        values_by_update.setdefault(value.update_id, []).append(value)
    with transaction.atomic():
        for copy in range(1, scale):
            clones = [
                Member(
                    slug=f"{m.slug}-x{copy}", name=f"{m.name} ({copy})", country=m.country,
                    country_code=m.country_code, region_id=m.region_id, membership_type=m.membership_type,
                    latitude=max(-89, min(89, float(m.latitude) + copy * 0.7)),
                    longitude=(float(m.longitude) + copy * 1.3 + 180) % 360 - 180,
                    confidence=m.confidence, source="benchmark copy",
                )
                for m in originals
            ]
            Member.objects.bulk_create(clones)
            new_id = {m.pk: clone.pk for m, clone in zip(originals, clones, strict=True)}
            Membership.objects.bulk_create([
                Membership(member_id=new_id[s.member_id], standing=s.standing, start=s.start, end=s.end)
                for s in memberships
            ])
            Participation.objects.bulk_create([
                Participation(action_id=p.action_id, member_id=new_id[p.member_id], is_demo=p.is_demo)
                for p in participations
            ])
            update_clones = []
            for u in updates:
                clone = ProgressUpdate(
                    member_id=new_id[u.member_id], action_id=u.action_id, period_id=u.period_id, state=u.state,
                    status=u.status, narrative=u.narrative, reviewer_comment=u.reviewer_comment,
                    first_submitted_at=u.first_submitted_at, submitted_at=u.submitted_at,
                    reviewed_at=u.reviewed_at, reviewed_by_id=u.reviewed_by_id, is_demo=u.is_demo,
                )
                update_clones.append((u.pk, clone))
            ProgressUpdate.objects.bulk_create([clone for _pk, clone in update_clones], batch_size=2000)
            IndicatorValue.objects.bulk_create([
                IndicatorValue(update_id=clone.pk, indicator_id=v.indicator_id, value=v.value,
                               not_available=v.not_available, not_available_reason=v.not_available_reason)
                for pk, clone in update_clones for v in values_by_update.get(pk, [])
            ], batch_size=5000)
            approved_values.refresh(clone.pk for _pk, clone in update_clones)  # bulk writes send no signals


def measure(path: str, runs: int, username: str = "secretariat") -> dict:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    from metroplan.testing.second_factor import client_passes_second_factor

    client = Client()
    user = get_user_model().objects.get(username=username)
    client.force_login(user)
    client_passes_second_factor(client, user)  # staff need a second factor (metroplan.second_factor)
    for _ in range(3):  # warm up: imports, template loading, database caches
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code, response.get("Location"))
    queries: list[str] = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        client.get(path)
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(path)
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    timings.sort()
    return {
        "bytes": len(response.content),
        "p50": statistics.median(timings),
        "p95": timings[min(len(timings) - 1, int(len(timings) * 0.95))],
        "max": timings[-1],
        "queries": len(queries),
    }


def run_scale(scale: int, runs: int, paths: list[str], results: dict | None = None) -> bool:
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    ok = True
    try:
        started = time.perf_counter()
        sizes = seed(scale)
        print(f"\n× {scale}: {sizes} (seeded in {time.perf_counter() - started:.1f} s)")
        if results is not None:
            results[scale] = {"data": sizes, "pages": {}}
        for path in paths:
            result = measure(path, runs)
            if results is not None:
                results[scale]["pages"][path] = result
            target = TARGETS_MS.get(scale)
            verdict = ""
            if path == "/" and target:
                passed = result["p50"] < target
                ok = ok and passed
                verdict = f"  target p50 < {target} ms: {'PASS' if passed else 'FAIL'}"
            print(f"  GET {path:<34} p50 {result['p50']:7.1f} ms  p95 {result['p95']:7.1f} ms  "
                  f"max {result['max']:7.1f} ms  {result['queries']} queries  "
                  f"{result['bytes'] / 1024:8.1f} KB{verdict}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, action="append", help="1 and 10 unless given (repeatable)")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--all-pages", action="store_true", help="also time the other dashboard pages")
    parser.add_argument("--json", default="var/bench/dashboard.json", help="where to write the figures as JSON")
    args = parser.parse_args(argv)
    setup_django()
    from django.db import connection

    if connection.vendor != "postgresql":
        print(f"Note: running on {connection.vendor}; the targets are for PostgreSQL (set DATABASE_URL).")
    paths = ["/"]
    if args.all_pages:
        paths += ["/overview/", "/map-table/", "/goals/1/", "/actions/1.1/", "/members/?sort=-compliance",
                  "/members/barcelona/", "/compliance/", "/compliance/?earlier=1", "/api/v1/figures/",
                  "/api/v1/actions/?page_size=100", "/api/v1/members/?page_size=100",
                  "/api/v1/updates/?page_size=100", "/updates/review/"]
    ok = True
    results: dict = {}
    for scale in args.scale or [1, 10]:
        ok = run_scale(scale, args.runs, paths, results) and ok
    if args.json:
        import json
        from pathlib import Path

        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps({"load": os.getloadavg(), "scales": results}, indent=2))
        print(f"\nJSON: {args.json}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
