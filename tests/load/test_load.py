"""The mixed load, short form: gunicorn (2 workers) + PostgreSQL + Redis on
loopback, locust headless for a bounded time and number of requests. 0 errors and
0 lost writes; the figures are printed and written to test-output/load.json."""

import json
import os
import subprocess
from collections import defaultdict

import psycopg
import pytest

from tests.load import servers

pytestmark = pytest.mark.load

USERS = int(os.environ.get("LOAD_USERS", "20"))
SECONDS = int(os.environ.get("LOAD_SECONDS", "40"))
MAX_REQUESTS = int(os.environ.get("LOAD_MAX_REQUESTS", "4000"))
WORKERS = int(os.environ.get("LOAD_WORKERS", "2"))
THREADS = int(os.environ.get("LOAD_THREADS", "4"))


def run_locust(base_url: str, data, result, run_dir) -> dict:
    env = {
        **os.environ, "LOAD_DATA": str(data), "LOAD_RESULT": str(result),
        "LOAD_MAX_REQUESTS": str(MAX_REQUESTS),
    }
    command = [
        str(servers.BIN / "locust"), "-f", str(servers.ROOT / "tests/load/locustfile.py"), "--headless",
        "--host", base_url, "--users", str(USERS), "--spawn-rate", str(USERS), "--run-time", f"{SECONDS}s",
        "--stop-timeout", "10", "--only-summary", "--loglevel", "WARNING", "--exit-code-on-error", "0",
    ]
    completed = subprocess.run(command, cwd=run_dir, env=env, capture_output=True, text=True,
                               timeout=SECONDS + 120)
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    return json.loads(result.read_text())


def table(result: dict) -> str:
    lines = [
        "| traffic | share | requests | requests/s | p50 ms | p95 ms | p99 ms | errors |",
        "|---|---|---|---|---|---|---|---|",
    ]
    rows = [("mix (all but sign-in)", result["mix"])] + sorted(result["by_category"].items())
    for name, figures in rows:
        share = result["share"].get(name)
        lines.append(
            f"| {name} | {'' if share is None else f'{share:.0%}'} | {figures['requests']} | "
            f"{figures['requests_per_s']} | {figures['p50_ms']} | {figures['p95_ms']} | {figures['p99_ms']} | "
            f"{figures['errors']} |"
        )
    return "\n".join(lines)


def test_mixed_load_has_no_error_and_loses_no_write(prepared_database, load_suite, run_dir):
    template, data = prepared_database
    admin_url = os.environ["DATABASE_URL"]
    name = f"{servers.database_name(admin_url)}_load"
    servers.recreate_database(admin_url, name, template=template)
    database_url = servers.with_database(admin_url, name)
    with servers.redis_server() as redis:
        env = servers.site_env(database_url=database_url, redis_url=redis.url, var_dir=run_dir)
        with servers.gunicorn(env, workers=WORKERS, threads=THREADS, log_dir=run_dir) as site:
            result = run_locust(site.base_url, data, run_dir / "result.json", run_dir)

    result.update(users=USERS, workers=WORKERS, threads=THREADS, max_seconds=SECONDS, max_requests=MAX_REQUESTS)
    (load_suite / "load.json").write_text(json.dumps({k: v for k, v in result.items()
                                                      if k != "acknowledged_writes"}, indent=1))
    print(f"\nMixed load: {USERS} users, {result['seconds']} s, gunicorn {WORKERS} workers × {THREADS} threads")
    print(table(result))

    assert result["total"]["errors"] == 0, result["failures"][:10]
    acknowledged = result["acknowledged_writes"]
    assert acknowledged, "the load made no write"
    assert result["mix"]["requests"] >= 50, "the load was too short to say anything"

    # Every acknowledged save and submit is in the database: its narrative in the
    # update's history, and the last one of each slot is the update as it stands.
    with psycopg.connect(database_url) as conn:
        history = {row[0] for row in conn.execute(
            "SELECT substring(narrative from '\\[Load suite\\] ([0-9a-f]{32})') FROM reporting_historicalprogressupdate"
            " WHERE narrative LIKE '[Load suite]%'"
        )}
        current = {
            (member, period, action): (state, narrative, version, dict(values or {}))
            for member, period, action, state, narrative, version, values in conn.execute(
                "SELECT m.slug, p.code, a.code, u.state, u.narrative, u.version, "
                " (SELECT json_object_agg('ind_' || v.indicator_id || '_value', trim_scale(v.value)::text)"
                "  FROM reporting_indicatorvalue v WHERE v.update_id = u.id) "
                "FROM reporting_progressupdate u JOIN members_member m ON m.id = u.member_id "
                "JOIN reporting_reportingperiod p ON p.id = u.period_id JOIN actions_action a ON a.id = u.action_id "
                "WHERE u.narrative LIKE '[Load suite]%'"
            )
        }
    lost = [write["marker"] for write in acknowledged if write["marker"] not in history]
    assert lost == [], f"{len(lost)} acknowledged writes are not in the database"
    last = {}
    submitted = defaultdict(bool)
    for write in acknowledged:
        slot = (write["member"], write["period"], write["action"])
        last[slot] = write
        submitted[slot] |= write["intent"] == "submit"
    for slot, write in last.items():
        state, narrative, _version, values = current[slot]
        assert write["marker"] in narrative, slot
        assert values == write["values"], slot
        assert state == "submitted" if submitted[slot] else state in ("draft", "returned"), slot
