"""Benchmark: build the full progress report (snapshot, HTML, PDF, XLSX, CSV).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/metroplan python -m bench.reports [--scale 1 10 100] [--keep]
    DATABASE_URL=... python -m bench.reports --existing <database>

For each scale it creates a scratch database (Django's test database, removed
afterwards), loads the plan, its 141 members and 12 quarterly periods, makes
every member take part in every action (scale 10: ten times the members, so
ten times the updates), writes three years of quarterly updates (about 85%
sent, most approved, each with its indicator values), then builds one
period-close report in a fresh child process and prints its wall time and
peak memory, then the time to render it from its snapshot in the other
languages (every format) against the build's own first rendering. Targets
(issue 17): scale 1 under 5 s, scales 10 and 100 under 30 s, memory under
500 MB. Never part of the test suite.

`--existing <database>` builds one report on a database seeded already (for
instance by bench.dashboard's seed, whose 100x takes the machine for several
minutes): nothing is seeded or dropped; the figures cache is made cold (a new
figures version), and the report it adds is deleted afterwards. Use a copy
(`createdb -T`), never a database someone else works on.
"""

import argparse
import os
import random
import resource
import subprocess
import sys
import time
from datetime import datetime, timedelta
from datetime import time as clock
from decimal import Decimal

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "metroplan.settings")
os.environ.setdefault("SECRET_KEY", "benchmark-only-not-secret")
os.environ.setdefault("ALLOWED_HOSTS", "localhost")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from actions.models import Action, Indicator, Participation, Plan  # noqa: E402
from members.models import Member, Membership  # noqa: E402
from reporting.figures import approved as approved_values  # noqa: E402
from reporting.models import IndicatorValue, ProgressUpdate, Report, ReportingPeriod  # noqa: E402

BATCH = 5000
TARGETS = {1: 5.0, 10: 30.0, 100: 30.0}
MEMORY_TARGET_MB = 500


def _at(day):
    return timezone.make_aware(datetime.combine(day, clock(10)))


def seed(scale: int) -> tuple[Plan, ReportingPeriod]:
    call_command("load_plan", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    plan = Plan.objects.current()
    originals = list(Member.objects.order_by("slug"))
    for copy in range(1, scale):
        clones = Member.objects.bulk_create([
            Member(slug=f"{m.slug}-x{copy}", name=f"{m.name} ({copy})", country=m.country,
                   country_code=m.country_code, region_id=m.region_id, latitude=m.latitude,
                   longitude=m.longitude, confidence=m.confidence)
            for m in originals
        ], batch_size=BATCH)
        Membership.objects.bulk_create(
            [Membership(member=m, start=plan.start_date) for m in clones], batch_size=BATCH
        )
    members = list(Member.objects.values_list("pk", flat=True))
    actions = list(Action.objects.filter(goal__plan=plan).values_list("pk", flat=True))
    Participation.objects.bulk_create(
        [Participation(action_id=a, member_id=m) for a in actions for m in members],
        batch_size=BATCH, ignore_conflicts=True,
    )
    indicators: dict[int, list[tuple[int, Decimal, Decimal]]] = {}
    for pk, action_id, baseline, target in Indicator.objects.filter(action__goal__plan=plan).values_list(
        "pk", "action_id", "baseline", "target"
    ):
        indicators.setdefault(action_id, []).append((pk, baseline, target))
    periods = list(ReportingPeriod.objects.filter(plan=plan).order_by("start"))
    rng = random.Random(2021)
    for index, period in enumerate(periods):
        updates = []
        for action_id in actions:
            for member_id in members:
                roll = rng.random()
                if roll < 0.15:
                    continue
                state = "approved" if roll < 0.9 else "submitted"
                submitted = period.end + timedelta(days=rng.randint(1, 45))
                updates.append(ProgressUpdate(
                    member_id=member_id, action_id=action_id, period=period, state=state, status="on_track",
                    first_submitted_at=_at(submitted), submitted_at=_at(submitted),
                    reviewed_at=_at(submitted + timedelta(days=5)) if state == "approved" else None,
                ))
        created = ProgressUpdate.objects.bulk_create(updates, batch_size=BATCH)
        values = []
        for update in created:
            for indicator_id, baseline, target in indicators.get(update.action_id, []):
                share = Decimal(min(1.0, (index + 1) / len(periods) * rng.uniform(0.5, 1.3)))
                values.append(IndicatorValue(update_id=update.pk, indicator_id=indicator_id,
                                             value=(baseline + (target - baseline) * share).quantize(Decimal("0.01"))))
        IndicatorValue.objects.bulk_create(values, batch_size=BATCH)
        approved_values.refresh(update.pk for update in created)  # bulk writes send no signals
    if connection.vendor == "postgresql":
        # Planner statistics, as autovacuum would have them on a live database
        # (bulk loading leaves them empty, and the plans then go badly wrong).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return plan, periods[-1]


def _phases(report_id: int) -> None:
    """Time each part of a build (BENCH_PHASES=1), to see where the time goes."""
    from django.conf import settings
    from django.utils import timezone

    from reporting import rendering, report_deck, snapshot
    from reporting.figures import cache, gaps, plan_figures

    report = Report.objects.select_related("plan", "period").get(pk=report_id)
    plan, period, as_of = report.plan, report.period, report.as_of
    today = timezone.localdate()

    def engine():
        cache.bump()  # time the computation, not the cache
        return plan_figures(plan, as_of=today, up_to=as_of)

    steps = {
        "figures engine": engine,
        "update_gaps": lambda: gaps.update_gaps(period, compliance_on=today),
        "indicator_gaps": lambda: gaps.indicator_gaps(period, compliance_on=today),
    }
    for name, step in steps.items():
        started = time.perf_counter()
        step()
        print(f"  {name}: {time.perf_counter() - started:.2f} s", flush=True)
    started = time.perf_counter()
    snap = snapshot.snapshot_build(report)
    print(f"  snapshot total: {time.perf_counter() - started:.2f} s", flush=True)
    for name, render in [("html", rendering.render_html), ("pdf", rendering.render_pdf),
                         ("xlsx", rendering.render_xlsx), ("csv", rendering.render_csv),
                         ("pptx", report_deck.render_pptx)]:
        started = time.perf_counter()
        render(snap, settings.LANGUAGE_CODE)
        print(f"  render {name}: {time.perf_counter() - started:.2f} s", flush=True)


def _peak_rss_mb() -> float:
    """This process's own peak RSS. VmHWM belongs to the process's memory map,
    which exec() renews; ru_maxrss would also carry the parent's peak across
    fork and exec."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build_one(report_id: int) -> None:
    """Build one report in this (fresh) process and print its wall time and
    peak memory, as a worker would; then render it in the other languages
    from its stored snapshot, as a reader asking for them would, and time
    that against the build's own (first) rendering."""
    from django.conf import settings

    from reporting import report_files
    from reporting.rendering import load_renderers
    from reporting.report_services import report_build

    # As the worker does when its process starts (reporting/tasks.py), not during a build.
    started = time.perf_counter()
    load_renderers()
    print(f"child: renderers loaded in {time.perf_counter() - started:.2f} s (at the worker's start)", flush=True)
    if os.environ.get("BENCH_PHASES"):
        _phases(report_id)
    first = {}
    render_files = report_files.render_files

    def timed_render_files(*args, **kwargs):
        started, cpu = time.perf_counter(), time.process_time()
        try:
            return render_files(*args, **kwargs)
        finally:
            first["seconds"], first["cpu"] = time.perf_counter() - started, time.process_time() - cpu

    report_files.render_files = timed_render_files
    started, cpu = time.perf_counter(), time.process_time()
    report = report_build(report_id=report_id)
    elapsed, build_cpu = time.perf_counter() - started, time.process_time() - cpu
    build_peak_mb = _peak_rss_mb()
    others = {}
    report = Report.objects.get(pk=report_id)
    for language in [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]:
        started, cpu = time.perf_counter(), time.process_time()
        for fmt in report_files.FORMATS:
            report_files.report_file(report, fmt, language).file.close()
        report_files.report_body(report, language)
        others[language] = f"{time.perf_counter() - started:.2f} s (CPU {time.process_time() - cpu:.2f} s)"
    print(f"child: build {elapsed:.2f} s (this process's CPU {build_cpu:.2f} s; the rest waited on the database "
          f"or the machine), peak {build_peak_mb:.0f} MB; first rendering {first['seconds']:.2f} s "
          f"(CPU {first['cpu']:.2f} s); "
          f"other languages {others}; peak after them {_peak_rss_mb():.0f} MB", flush=True)
    print(f"RESULT {elapsed} {build_peak_mb} {report.state} {report.pdf.size} {report.xlsx.size} "
          f"{first['seconds']} {' '.join(f'{k}={v.split()[0]}' for k, v in others.items())} {_peak_rss_mb()}",
          flush=True)


def build_in_child(report_id: int) -> list[str]:
    """Build in a fresh Python process, as a worker would, on the same
    database, and read back its time and peak memory."""
    connection.close()
    env = {**os.environ, "DATABASE_NAME_OVERRIDE": connection.settings_dict["NAME"]}
    result = subprocess.run(
        [sys.executable, "-m", "bench.reports", "--build-one", str(report_id)],
        env=env, check=True, stdout=subprocess.PIPE, text=True,
    )
    for line in result.stdout.splitlines():
        if line.startswith("RESULT "):
            return line.split()[1:]
        print(line, flush=True)
    raise RuntimeError("the build printed no result")


def run(scale: int, keep: bool = False) -> bool:
    old_name = connection.settings_dict["NAME"]
    # Its own scratch database, so that a test run on the same server is not disturbed.
    connection.settings_dict.setdefault("TEST", {})["NAME"] = f"bench_{old_name}" + (f"_x{scale}" if keep else "")
    # serialize=False: the test runner's copy of the data (for TransactionTestCase) is not needed here.
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=keep, serialize=False)
    try:
        started = time.perf_counter()
        if keep and ProgressUpdate.objects.exists():  # seeded by an earlier --keep run
            plan = Plan.objects.current()
            period = ReportingPeriod.objects.filter(plan=plan).order_by("start").last()
            Report.objects.all().delete()
            from reporting.figures import cache

            cache.bump()  # cold figures again: the shared cache still holds the last run's
        else:
            plan, period = seed(scale)
        seeded = time.perf_counter() - started
        updates = ProgressUpdate.objects.count()
        report = Report.objects.create(plan=plan, kind=Report.Kind.PERIOD, period=period, as_of=period.end)
        elapsed, peak_mb, state, pdf_bytes, xlsx_bytes, first, *others, overall_peak = build_in_child(report.pk)
        elapsed, peak_mb = float(elapsed), float(peak_mb)
        ok = state == "done" and elapsed < TARGETS.get(scale, 30.0) and peak_mb < MEMORY_TARGET_MB
        print(
            f"scale {scale:>2}: {Member.objects.count()} members, {updates} updates, "
            f"{IndicatorValue.objects.count()} values (seeded in {seeded:.0f} s) | build {elapsed:.2f} s "
            f"(target {TARGETS.get(scale, 30.0):.0f} s), peak RSS {peak_mb:.0f} MB (target {MEMORY_TARGET_MB}), "
            f"PDF {int(pdf_bytes) // 1024} KB, XLSX {int(xlsx_bytes) // 1024} KB: {'OK' if ok else 'OVER'}",
            flush=True,
        )
        print(f"          first rendering (default language, 5 formats + page) {float(first):.2f} s; "
              f"from the snapshot in {', '.join(o.replace('=', ' ') + ' s' for o in others)}; "
              f"peak RSS after all languages {float(overall_peak):.0f} MB", flush=True)
        return ok
    finally:
        if keep:
            connection.close()
            connection.settings_dict["NAME"] = old_name
        else:
            connection.creation.destroy_test_db(old_name, verbosity=0)


def run_existing(name: str) -> bool:
    """One build on the already seeded database `name` (see the module's docstring)."""
    from reporting.figures import cache

    connection.settings_dict["NAME"] = name
    plan = Plan.objects.current()
    period = ReportingPeriod.objects.filter(plan=plan).order_by("start").last()
    cache.bump()  # a cold figures cache, as after a change to the data
    key = {"plan": plan, "kind": Report.Kind.PERIOD, "period": period, "as_of": period.end}
    Report.objects.filter(**key).delete()  # left by an interrupted run (this is a copy)
    report = Report.objects.create(**key)
    try:
        elapsed, peak_mb, state, pdf_bytes, xlsx_bytes, first, *others, overall_peak = build_in_child(report.pk)
        elapsed, peak_mb = float(elapsed), float(peak_mb)
        ok = state == "done" and elapsed < 30.0 and peak_mb < MEMORY_TARGET_MB
        print(
            f"{name}: {Member.objects.count()} members, {ProgressUpdate.objects.count()} updates, "
            f"{IndicatorValue.objects.count()} values | build {elapsed:.2f} s (target 30 s), peak RSS {peak_mb:.0f} MB "
            f"(target {MEMORY_TARGET_MB}), PDF {int(pdf_bytes) // 1024} KB, XLSX {int(xlsx_bytes) // 1024} KB: "
            f"{'OK' if ok else 'OVER'}", flush=True,
        )
        print(f"          first rendering (default language, 5 formats + page) {float(first):.2f} s; "
              f"from the snapshot in {', '.join(o.replace('=', ' ') + ' s' for o in others)}; "
              f"peak RSS after all languages {float(overall_peak):.0f} MB", flush=True)
        return ok
    finally:
        Report.objects.filter(pk=report.pk).delete()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, nargs="+", default=[1, 10])
    parser.add_argument("--build-one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--keep", action="store_true",
                        help="keep each scale's seeded database (bench_<name>_x<scale>) and reuse it next time")
    parser.add_argument("--existing", metavar="DATABASE",
                        help="build one report on this database, seeded already (not seeded, not dropped)")
    args = parser.parse_args()
    if args.build_one:
        connection.settings_dict["NAME"] = os.environ["DATABASE_NAME_OVERRIDE"]
        build_one(args.build_one)
        return
    print(f"database: {connection.vendor}", flush=True)
    if args.existing:
        sys.exit(0 if run_existing(args.existing) else 1)
    results = [run(scale, keep=args.keep) for scale in args.scale]
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
