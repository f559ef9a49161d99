"""Benchmark of each role's home (`/`), not part of the test suite.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<scratch> python -m bench.homes [--scale 1 --scale 10]

Builds the same throw-away database as bench.dashboard (the plan, the 141
members, twelve periods, three years of demo updates; the demo's last two
periods open and overdue, so the homes have work to show), then times the
server side of GET / for the secretariat demo user (the desk) and for the
focal point of Barcelona (the city), with the figures engine's cache warm
as it is for every visitor but the first. Also times /overview/ for
comparison.

Target (issue 16): a role's home p50 ≤ 100 ms at 1×.
"""

import argparse
import sys
import time

from bench.dashboard import measure, setup_django

TARGET_MS = 100
PAGES = [("secretariat", "/", "desk"), ("fp-barcelona", "/", "city"), ("secretariat", "/overview/", "overview")]


def cpu_p50(path: str, runs: int, username: str) -> float:
    """The CPU time the web process spends on a request (not the database's,
    nor the time waiting for a core): on a machine shared with other work it
    says what the page costs when wall-clock times are inflated by the wait."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    client.get(path)
    times = []
    for _ in range(runs):
        start = time.process_time()
        client.get(path)
        times.append((time.process_time() - start) * 1000)
    times.sort()
    return times[len(times) // 2]


def run_scale(scale: int, runs: int) -> bool:
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    from bench.dashboard import seed

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    ok = True
    try:
        started = time.perf_counter()
        sizes = seed(scale)
        print(f"\n× {scale}: {sizes} (seeded in {time.perf_counter() - started:.1f} s)")
        for username, path, name in PAGES:
            result = measure(path, runs, username=username)
            result["cpu"] = cpu_p50(path, runs, username)
            verdict = ""
            if name in ("desk", "city") and scale == 1:
                passed = result["p50"] <= TARGET_MS
                ok = ok and passed
                verdict = f"  target p50 ≤ {TARGET_MS} ms: {'PASS' if passed else 'FAIL'}"
            print(f"  {name:<9} GET {path:<12} as {username:<13} p50 {result['p50']:6.1f} ms  "
                  f"p95 {result['p95']:6.1f} ms  (web process CPU p50 {result['cpu']:5.1f} ms)  "
                  f"{result['queries']} queries{verdict}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, action="append", help="1 unless given (repeatable)")
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args(argv)
    setup_django()
    from django.db import connection

    if connection.vendor != "postgresql":
        print(f"Note: running on {connection.vendor}; the target is for PostgreSQL (set DATABASE_URL).")
    ok = True
    for scale in args.scale or [1]:
        ok = run_scale(scale, args.runs) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
