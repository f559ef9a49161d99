"""`make bench`: every benchmark in one run, on PostgreSQL (not a test).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<scratch> python -m bench.all [--scale 1 10 [100]]
        [--runs N] [--skip PART ...] [--load]

Runs, each in its own process and on databases of its own named after
DATABASE_URL's (created, seeded with the project's generator, analysed, and
dropped or kept as each part says in bench/README.md):

  pages    bench.dashboard --all-pages at each scale: p50/p95, query count and
           size of every dashboard page and of the API lists (1× = 141 members
           and ~10,000 updates; 10× and 100× multiply members, participations
           and updates);
  api      bench.api at 1×: every API list next to plain DRF and the SQL floor;
  reports  bench.reports at each scale: the full report's build, time and peak
           memory;
  sync     bench.sync at each scale up to 10×: a change feed page at the start,
           middle and end of a long history, modified_after lists, what
           recording a change adds to a write, a file download's peak memory,
           the open-data package's build;
  load     with --load, the mixed load (tests/load, locust headless on
           loopback against gunicorn; README, "Load and faults") at 10, 50
           and 100 users thinking 1-3 s, then the peak throughput without
           think time.

Prints each part's table as it goes, then writes var/bench/all.json with every
part's JSON. The figures of a run are published in docs/performance.md.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

OUT = Path("var/bench")


def run(part: str, argv: list[str]) -> dict:
    print(f"\n=== {part}: {' '.join(argv)}", flush=True)
    started = time.perf_counter()
    result = subprocess.run([sys.executable, *argv], env=os.environ.copy())
    return {"command": argv, "returncode": result.returncode, "seconds": round(time.perf_counter() - started, 1)}


# The mixed load: 10, 50 and 100 users thinking 1-3 s between requests,
# then the peak throughput (users that do not think). Each is the load suite's
# test (gunicorn, 2 workers, on loopback), its figures kept per run.
LOAD_RUNS = [
    ("10 users", {"LOAD_USERS": "10", "LOAD_WAIT_MIN": "1", "LOAD_WAIT_MAX": "3"}),
    ("50 users", {"LOAD_USERS": "50", "LOAD_WAIT_MIN": "1", "LOAD_WAIT_MAX": "3"}),
    ("100 users", {"LOAD_USERS": "100", "LOAD_WAIT_MIN": "1", "LOAD_WAIT_MAX": "3"}),
    ("peak (20 users, no think time)", {"LOAD_USERS": "20", "LOAD_WAIT_MIN": "0", "LOAD_WAIT_MAX": "0"}),
]


def load_runs() -> dict:
    runs = {}
    for name, env in LOAD_RUNS:
        print(f"\n=== load, {name}", flush=True)
        figures = Path("test-output/load.json")
        figures.unlink(missing_ok=True)
        started = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "tests/load/test_load.py", "-m", "load", "-s", "-p", "no:cacheprovider",
             "-k", "mixed_load", "-q"],
            env={**os.environ, "LOAD_MAX_REQUESTS": "20000", "LOAD_SECONDS": "60", **env},
        )
        runs[name] = {"env": env, "returncode": result.returncode, "seconds": round(time.perf_counter() - started, 1),
                      "figures": json.loads(figures.read_text()) if figures.exists() else None}
    return {"returncode": max(run["returncode"] for run in runs.values()), "runs": runs}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, nargs="+", default=[1, 10], help="1 10 unless given; add 100 for 100×")
    parser.add_argument("--runs", type=int, default=20, help="requests per page after the warm-up")
    parser.add_argument("--skip", nargs="+", default=[], choices=["pages", "api", "reports", "sync"])
    parser.add_argument("--load", action="store_true", help="also the load suite (locust, a few minutes)")
    args = parser.parse_args(argv)
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        print("Set DATABASE_URL to a PostgreSQL database of your own: the figures are PostgreSQL's.")
        return 2
    OUT.mkdir(parents=True, exist_ok=True)
    parts: dict = {}
    if "pages" not in args.skip:
        scales = [arg for scale in args.scale for arg in ("--scale", str(scale))]
        parts["pages"] = run("pages", ["-m", "bench.dashboard", "--all-pages", "--runs", str(args.runs), *scales,
                                       "--json", str(OUT / "dashboard.json")])
    if "api" not in args.skip:
        parts["api"] = run("api", ["-m", "bench.api", "--requests", str(args.runs), "--json", str(OUT / "api.json")])
    if "reports" not in args.skip:
        parts["reports"] = run("reports", ["-m", "bench.reports", "--scale", *map(str, args.scale)])
    if "sync" not in args.skip:
        # up to 10×: at 100× the history alone would be 10 million changes
        scales = [str(scale) for scale in args.scale if scale <= 10] or ["1"]
        parts["sync"] = run("sync", ["-m", "bench.sync", "--scale", *scales, "--runs", str(args.runs),
                                     "--json", str(OUT / "sync.json")])
    if args.load:
        parts["load"] = load_runs()
    for name, path in (("pages", "dashboard.json"), ("api", "api.json"), ("sync", "sync.json")):
        if name in parts and (OUT / path).exists():
            parts[name]["figures"] = json.loads((OUT / path).read_text())
    summary = {"load_average": os.getloadavg(), "cpus": os.cpu_count(), "parts": parts}
    (OUT / "all.json").write_text(json.dumps(summary, indent=2, default=str))
    print(f"\nJSON: {OUT / 'all.json'}")
    return max((part["returncode"] for part in parts.values()), default=0)


if __name__ == "__main__":
    sys.exit(main())
