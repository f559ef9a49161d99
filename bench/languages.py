"""Benchmark of the three languages, not part of the test suite.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<scratch> python -m bench.languages [--runs 20] [--report-runs 3]

Builds the same throw-away database as bench.dashboard (the plan with its
French and Spanish texts, the 141 members, three years of demo updates), then:

- pages: times the server side of a few pages a reader opens most (the
  secretariat's desk and /overview/, the focal point's home, /updates/ and an
  update form), each in English, French and Spanish, interleaved (en, fr, es,
  en, ...) so that a busy moment of the shared machine weighs on all three;
  prints p50 and p95 per language and French/English, Spanish/English;
- a report: times its first rendering (the build: the frozen snapshot of the
  figures, then its HTML, PDF, PPTX, XLSX and CSV in the default language),
  then the same files rendered in French and in Spanish (and English again)
  from the snapshot alone, as a reader asking for another language gets them.

Targets (issue 14, "Speed"): a page in French or Spanish no slower than in
English (ratio ≤ 1.1, the noise of this machine); a report in another language
from its snapshot no slower than its first rendering.
"""

import argparse
import statistics
import sys
import time

from bench.dashboard import setup_django

LANGUAGES = ["en", "fr", "es"]
PAGE_RATIO_TARGET = 1.10


def pages() -> list[tuple[str, str]]:
    from actions.models import Participation
    from members.models import FocalPoint
    from reporting.selectors_updates import due_slots

    focal = FocalPoint.objects.select_related("member", "user").filter(user__username="fp-barcelona").first()
    found = [("secretariat", "/"), ("secretariat", "/overview/"), ("fp-barcelona", "/"),
             ("fp-barcelona", "/updates/")]
    if focal is not None:
        slot = next(iter(due_slots(focal.member)), None)
        if slot is not None and Participation.objects.filter(member=focal.member).exists():
            found.append(("fp-barcelona",
                          f"/updates/{focal.member.slug}/{slot.period.code}/{slot.action.code}/"))
    return found


def time_pages(runs: int) -> bool:
    from django.contrib.auth import get_user_model
    from django.test import Client

    from members.languages import user_language_set
    from metroplan.testing.second_factor import client_passes_second_factor

    ok = True
    for username, path in pages():
        user = get_user_model().objects.get(username=username)
        clients = {}
        for language in LANGUAGES:
            client = Client(HTTP_ACCEPT_LANGUAGE=language)
            client.force_login(user)
            client_passes_second_factor(client, user)  # staff sign in with a second factor
            clients[language] = client
        timings: dict[str, list[float]] = {language: [] for language in LANGUAGES}
        for run in range(runs + 3):
            for language in LANGUAGES:
                user_language_set(user=user, language=language)  # the reader's own language wins
                start = time.perf_counter()
                response = clients[language].get(path)
                elapsed = (time.perf_counter() - start) * 1000
                assert response.status_code == 200, (path, language, response.status_code)
                assert f'<html lang="{language}"' in response.content.decode()
                if run >= 3:  # the first three warm up imports, templates and caches
                    timings[language].append(elapsed)
        p50 = {language: statistics.median(values) for language, values in timings.items()}
        p95 = {language: sorted(values)[int(len(values) * 0.95) - 1] for language, values in timings.items()}
        ratios = {language: p50[language] / p50["en"] for language in ("fr", "es")}
        passed = all(ratio <= PAGE_RATIO_TARGET for ratio in ratios.values())
        ok = ok and passed
        print(f"  GET {path:<40} as {username:<13} "
              + "  ".join(f"{lang} p50 {p50[lang]:6.1f} ms (p95 {p95[lang]:6.1f})" for lang in LANGUAGES)
              + f"  fr/en {ratios['fr']:.2f}  es/en {ratios['es']:.2f}  {'PASS' if passed else 'FAIL'}")
    return ok


def time_report(runs: int) -> bool:
    from datetime import date, timedelta

    from actions.models import Plan
    from reporting import report_files
    from reporting.models import Report, ReportingPeriod
    from reporting.report_services import report_build

    plan = Plan.objects.order_by("start_date").first()
    period = ReportingPeriod.objects.filter(plan=plan, end__lt=date.today()).order_by("-end").first()
    first, others = [], {language: [] for language in LANGUAGES}
    for run in range(runs):
        # One report per plan, kind, period and day: each run's report is as of a day earlier.
        report = Report.objects.create(plan=plan, kind=Report.Kind.ON_DEMAND, period=period,
                                       as_of=period.end - timedelta(days=run), state=Report.State.QUEUED)
        start = time.perf_counter()
        report_build(report_id=report.pk)  # the snapshot, then every file in the default language
        first.append(time.perf_counter() - start)
        report.refresh_from_db()
        assert report.state == Report.State.DONE, report.failure_reason
        for language in LANGUAGES:
            start = time.perf_counter()
            report_files.render_files(report, report.snapshot, language)
            others[language].append(time.perf_counter() - start)
    build = statistics.median(first)
    print(f"  report {period.code}: first rendering (build) p50 {build:5.2f} s")
    ok = True
    for language in LANGUAGES:
        again = statistics.median(others[language])
        passed = again <= build
        ok = ok and passed
        print(f"  report {period.code} in {language} from its snapshot: p50 {again:5.2f} s "
              f"({again / build:.2f}× the first rendering)  {'PASS' if passed else 'FAIL'}")
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20, help="timed requests per page and language")
    parser.add_argument("--report-runs", type=int, default=3, help="reports built and rendered")
    parser.add_argument("--skip-pages", action="store_true", help="time the report only")
    args = parser.parse_args(argv)
    setup_django()
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    from bench.dashboard import seed

    if connection.vendor != "postgresql":
        print(f"Note: running on {connection.vendor}; the figures are meant for PostgreSQL (set DATABASE_URL).")
    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    if connection.vendor == "postgresql":  # a scratch database next to the one named, and of the same prefix
        connection.settings_dict["TEST"]["NAME"] = f"{old_name}_bench"
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        started = time.perf_counter()
        sizes = seed(1)
        print(f"seeded {sizes} in {time.perf_counter() - started:.1f} s")
        ok = True if args.skip_pages else time_pages(args.runs)
        ok = time_report(args.report_runs) and ok
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
