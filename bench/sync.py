"""Benchmark: incremental sync, the change feed, file downloads, the open-data package (issue 15).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<scratch> python -m bench.sync [--scale 1 10] [--runs N]

For each scale, a scratch database of its own (`bench_<name>_sync`, dropped
afterwards), seeded as bench.reports seeds it (scale 1: 141 members and ~8,900
updates; 10: ten times the members and updates), then:

- a long change history: CHANGES_PER_SCALE × scale rows of the feed
  (100,000 at 1×, 1,000,000 at 10×) written by one INSERT ... SELECT, a third
  of them visible to staff and one member only, the rest public, then ANALYZE;
- feed: p50/p95 of GET /api/v1/changes/?after=<cursor>&page_size=100 at the
  start, the middle and the end of that history, for staff and for a read
  token (public changes only: the `change_public_seq` index);
- modified_after: p50/p95 of GET /api/v1/updates/?modified_after=… and of
  /members/, where the same RECENT rows were modified in the last day and all
  the others a month ago: the answer is the same size at every scale, the
  history behind it ten times longer;
- recording cost: the same write (a goal's title saved in its own
  transaction; and an action's members changed through the service) timed
  with the recorder on, then with its signals disconnected (RecorderOff,
  metroplan/testing/recorder.py, which the query-count tests use too),
  interleaved in blocks of ten; the difference of the medians is what
  recording a change adds to a write (target < 2 ms), next to the queries
  each write makes either way, one query's round trip (`SELECT 1`), and the
  same difference in the writing process's CPU time (`time.process_time`:
  steadier than the wall time on a shared machine, but without the
  database's own work);
- download: peak Python memory (tracemalloc) while a client reads a 4 MB and
  a 64 MB evidence file through GET /api/v1/updates/{id}/evidence/{eid}/file
  (the "stream" mode: Django reads and sends chunks); constant memory means
  the two peaks are alike;
- open data: the package's build (`package_build`: one CSV per resource of
  public data, the datapackage.json, the zip), wall time (target < 60 s at 10×).

Prints a table per scale and writes var/bench/sync.json. Never part of the test suite.
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "metroplan.settings")
os.environ.setdefault("SECRET_KEY", "benchmark-only-not-secret")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
os.environ.setdefault("API_THROTTLE_TOKEN", "1000000/hour")
os.environ.setdefault("HTTPS_BY_PROXY", "1")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("PRIVATE_FILES_DELIVERY", "stream")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

CHANGES_PER_SCALE = 100_000
RECENT = 500  # rows modified in the last day, at every scale
PAGE = 100
OUT = Path("var/bench/sync.json")


def p50_p95(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


def timed_get(client, url: str, params: dict, runs: int) -> tuple[float, float]:
    response = client.get(url, params)  # warm-up
    assert response.status_code == 200, (url, response.status_code, response.content[:300])
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url, params)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    return p50_p95(samples)


# --- the history ---------------------------------------------------------------------------


def write_history(count: int) -> None:
    """`count` changes of members (a third private to one member), in one statement."""
    with connection.cursor() as cursor:
        cursor.execute("""
            INSERT INTO metroplan_change (at, object_type, object_id, object_key, kind, changed_fields, state,
                                          public, member_id)
            SELECT now() - (%(count)s - n) * interval '1 second', 'member', m.id, m.slug, 'updated',
                   '["name"]'::jsonb, jsonb_build_object('key', m.slug, 'slug', m.slug, 'name', m.name || ' ' || n),
                   n %% 3 <> 0, CASE WHEN n %% 3 = 0 THEN m.id END
            FROM generate_series(1, %(count)s) AS n
            JOIN members_member m ON m.id = (SELECT min(id) FROM members_member) + n %% 100
        """, {"count": count})
        cursor.execute("ANALYZE metroplan_change")


def spread_modified() -> None:
    """Every update and member modified a month ago, but the last RECENT of each in the last day."""
    with connection.cursor() as cursor:
        for table in ("reporting_progressupdate", "members_member"):
            cursor.execute(f"UPDATE {table} SET modified = now() - interval '30 days' "
                           f"- (id %% 1000) * interval '1 minute' WHERE id > %s", [0])
            cursor.execute(f"""UPDATE {table} SET modified = now() - (id %% 600) * interval '1 minute'
                               WHERE id IN (SELECT id FROM {table} ORDER BY id DESC LIMIT %s)""", [RECENT])
            cursor.execute(f"ANALYZE {table}")


# --- measurements --------------------------------------------------------------------------


def feed_pages(clients: dict, runs: int) -> dict:
    from metroplan.api.changes import cursor_for
    from metroplan.models import Change

    first, last = Change.objects.order_by("pk").values_list("pk", flat=True).first(), Change.objects.latest("pk").pk
    positions = {"start": first, "middle": (first + last) // 2, "end": max(first, last - PAGE - 1)}
    results = {}
    for who, client in clients.items():
        for where, sequence in positions.items():
            results[f"{who} {where}"] = timed_get(client, "/api/v1/changes/",
                                                  {"after": cursor_for(sequence), "page_size": PAGE}, runs)
    return results


def modified_lists(client, runs: int) -> dict:
    from django.utils import timezone

    since = (timezone.now() - timezone.timedelta(days=1)).isoformat()
    return {name: timed_get(client, f"/api/v1/{name}/", {"modified_after": since, "page_size": PAGE}, runs)
            for name in ("updates", "members")}


def round_trip(count: int = 200) -> float:
    """p50 of `SELECT 1`: what one query costs on this machine right now."""
    samples = []
    with connection.cursor() as cursor:
        for _ in range(count):
            started = time.perf_counter()
            cursor.execute("SELECT 1")
            cursor.fetchone()
            samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def recording_cost(runs: int) -> dict:
    from actions import services
    from actions.models import Action, Goal, Participation
    from metroplan.models import Change
    from metroplan.testing import factories as f
    from metroplan.testing.recorder import RecorderOff

    staff = f.StaffFactory(username="bench-staff-writes")
    goal = Goal.objects.order_by("pk").first()
    action = Action.objects.order_by("pk").first()
    spare = Participation.objects.filter(action=action).order_by("member_id").values_list("member_id", flat=True)[0]

    def goal_write(n):
        with transaction.atomic():
            goal.title_en = f"Goal title {n}"
            goal.save()

    taking = [False]

    def member_write(n):
        taking[0] = not taking[0]
        services.action_participant_set(user=staff, action=action, member_id=spare, taking_part=taking[0])

    results = {}
    for name, write, models in (("goal saved", goal_write, (Goal,)),
                                ("action's members changed (service)", member_write, (Action,))):
        on, off, cpu_on, cpu_off = [], [], [], []
        before = Change.objects.count()
        for block in range(runs):
            for recording, samples, cpu in ((True, on, cpu_on), (False, off, cpu_off)):
                context = RecorderOff(*models) if not recording else _Nothing()
                with context:
                    for n in range(10):
                        started, started_cpu = time.perf_counter(), time.process_time()
                        write(block * 100 + n)
                        samples.append((time.perf_counter() - started) * 1000)
                        cpu.append((time.process_time() - started_cpu) * 1000)
        recorded = Change.objects.count() - before
        queries = {}
        for recording in (True, False):
            with (_Nothing() if recording else RecorderOff(*models)), CaptureQueriesContext(connection) as seen:
                write(10_000)
            queries["on" if recording else "off"] = len(seen)
        results[name] = {"on": p50_p95(on), "off": p50_p95(off), "added_ms": statistics.median(on)
                         - statistics.median(off), "writes": len(on) + len(off), "recorded": recorded,
                         "queries": queries, "cpu_on_ms": statistics.median(cpu_on),
                         "cpu_off_ms": statistics.median(cpu_off),
                         "cpu_added_ms": statistics.median(cpu_on) - statistics.median(cpu_off)}
    return results


class _Nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def download_memory(client) -> dict:
    from django.core.files import File

    from reporting.models import Evidence, ProgressUpdate

    update = ProgressUpdate.objects.filter(state="approved").order_by("pk").first()
    results = {}
    for megabytes in (4, 64):
        with tempfile.TemporaryFile() as raw:
            block = os.urandom(1024 * 1024)
            for _ in range(megabytes):
                raw.write(block)
            raw.seek(0)
            evidence = Evidence(update=update, title=f"{megabytes} MB", file_name=f"big-{megabytes}.bin")
            evidence.file.save(f"big-{megabytes}.bin", File(raw), save=True)
        url = f"/api/v1/updates/{update.pk}/evidence/{evidence.pk}/file"
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        started = time.perf_counter()
        response = client.get(url)
        assert response.status_code == 200, response.content[:300]
        received = 0
        for chunk in response.streaming_content:
            received += len(chunk)
        seconds = time.perf_counter() - started
        response.close()
        peak = tracemalloc.get_traced_memory()[1] - base
        tracemalloc.stop()
        assert received == megabytes * 1024 * 1024, received
        results[f"{megabytes} MB"] = {"peak_kb": round(peak / 1024), "seconds": round(seconds, 2)}
        evidence.file.delete(save=False)
        evidence.delete()
    return results


def open_data_build() -> dict:
    from reporting.figures import cache as figures_cache
    from reporting.open_data import package_build, package_current

    figures_cache.bump()
    package, _built = package_current()
    started = time.perf_counter()
    built = package_build(package_id=package.pk)
    seconds = time.perf_counter() - started
    return {"seconds": round(seconds, 1), "bytes": built.file.size if built else None}


# --- one scale -----------------------------------------------------------------------------


PARTS = ["feed", "modified_after", "recording", "download", "open_data"]


def run(scale: int, runs: int, only=None) -> dict:
    from bench.reports import seed
    from members.models import ApiToken, Member
    from metroplan.models import Change
    from metroplan.testing import factories as f
    from reporting.models import ProgressUpdate

    old_name = connection.settings_dict["NAME"]
    connection.settings_dict.setdefault("TEST", {})["NAME"] = f"bench_{old_name}_sync"
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        started = time.perf_counter()
        seed(scale)
        write_history(CHANGES_PER_SCALE * scale)
        spread_modified()
        seeded = time.perf_counter() - started
        staff = f.StaffFactory(username="bench-staff")
        _, staff_key = f.make_token(staff, scope=ApiToken.Scope.WRITE)
        _, read_key = f.make_token(f.UserFactory(username="bench-reader"), scope=ApiToken.Scope.READ)
        clients = {"staff": Client(HTTP_AUTHORIZATION=f"Token {staff_key}"),
                   "reader": Client(HTTP_AUTHORIZATION=f"Token {read_key}")}
        figures = {
            "scale": scale, "members": Member.objects.count(), "updates": ProgressUpdate.objects.count(),
            "changes": Change.objects.count(), "seeded_seconds": round(seeded),
        }
        print(f"scale {scale}: {figures}", flush=True)
        steps = {
            "feed": lambda: feed_pages(clients, runs),
            "modified_after": lambda: modified_lists(clients["staff"], runs),
            "round_trip_ms": round_trip,
            "recording": lambda: recording_cost(max(2, runs // 5)),
            "download": lambda: download_memory(clients["staff"]),
            "open_data": open_data_build,
        }
        for name, step in steps.items():
            if only is None or name in only or (name == "round_trip_ms" and "recording" in only):
                figures[name] = step()
        figures["load_average"] = os.getloadavg()
        print_scale(figures)
        return figures
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def print_scale(figures: dict) -> None:
    print(f"\nscale {figures['scale']}: {figures['members']} members, {figures['updates']} updates, "
          f"{figures['changes']} changes; load average {figures['load_average'][0]:.1f}")
    for name, (p50, p95) in figures.get("feed", {}).items():
        print(f"  feed page ({PAGE}) {name:<15} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms")
    for name, (p50, p95) in figures.get("modified_after", {}).items():
        print(f"  modified_after {name:<10} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms")
    if "round_trip_ms" in figures:
        print(f"  one query's round trip (SELECT 1) p50 {figures['round_trip_ms']:.2f} ms")
    for name, cost in figures.get("recording", {}).items():
        print(f"  write: {name}: recorder on p50 {cost['on'][0]:.2f} ms, off {cost['off'][0]:.2f} ms, "
              f"added {cost['added_ms']:.2f} ms ({cost['recorded']} changes recorded; queries per write "
              f"{cost['queries']['on']} on, {cost['queries']['off']} off); this process's CPU "
              f"{cost['cpu_on_ms']:.2f} / {cost['cpu_off_ms']:.2f} ms, added {cost['cpu_added_ms']:.2f} ms")
    for size, cost in figures.get("download", {}).items():
        print(f"  download {size}: peak Python memory {cost['peak_kb']} KB, {cost['seconds']} s")
    if "open_data" in figures:
        print(f"  open-data package: {figures['open_data']['seconds']} s ({figures['open_data']['bytes']} bytes)",
              flush=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, nargs="+", default=[1, 10])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--json", default=str(OUT))
    parser.add_argument("--only", nargs="+", choices=PARTS, help="some of the measurements (all unless given)")
    args = parser.parse_args(argv)
    if connection.vendor != "postgresql":
        print("bench.sync measures PostgreSQL: set DATABASE_URL=postgres://…/<scratch database>.", file=sys.stderr)
        return 2
    results = [run(scale, args.runs, args.only) for scale in args.scale]
    path = Path(args.json)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2, default=str))
    print(f"JSON: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
