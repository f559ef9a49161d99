"""Fault: PostgreSQL restarted during a stream of saves (issue 13 part 9).

The site runs on gunicorn against a PostgreSQL cluster of the test's own (a
temporary directory, another port), with the production defaults: persistent
connections (DB_CONN_MAX_AGE 60 s) and health checks. Focal points keep saving
their updates while the cluster is restarted twice, once cleanly (fast) and once
as after a crash (immediate). Then:

- no request hangs, and the only error anyone sees is the 503 page in the site's
  layout saying nothing was saved;
- the site recovers alone: once PostgreSQL answers again, every request succeeds
  (a dead kept connection is noticed by the health check, not by a user);
- no acknowledged save is lost, and no save is half done: each update's text,
  values and version come from the same, last committed save.
"""

import json
import os
import re
import subprocess
import threading
import time
from dataclasses import dataclass, field

import psycopg
import pytest
import requests

from tests.load import servers

pytestmark = pytest.mark.load

CLIENTS = 4
REQUEST_TIMEOUT = 15  # seconds: an answer slower than this is a hang
SLOWEST_ACCEPTED = 10
GRACE_AFTER_RESTART = 0.0  # once pg_ctl says the server is up, no request may fail
VERSION = re.compile(r'name="version"[^>]*value="(\d+)"|value="(\d+)"[^>]*name="version"')


@dataclass
class Answer:
    kind: str
    started: float
    finished: float
    status: int | None
    body: str = ""
    error: str = ""


@dataclass
class Client:
    writer: dict
    slot: dict
    answers: list[Answer] = field(default_factory=list)
    acknowledged: list[int] = field(default_factory=list)

    signed_in: threading.Event = field(default_factory=threading.Event)
    sign_in_answer: str = ""

    def run(self, base_url: str, stop: threading.Event) -> None:
        session = requests.Session()
        self._call(session, "GET", base_url + "/accounts/login/", "login form")
        login = self._call(session, "POST", base_url + "/accounts/login/", "login", data={
            "username": self.writer["username"], "password": self.writer["password"],
            "csrfmiddlewaretoken": session.cookies.get("csrftoken", ""),
        })
        if login is None or login.status_code != 302:
            self.sign_in_answer = "no answer" if login is None else f"{login.status_code} {login.text[:300]}"
            return
        self.signed_in.set()
        url = base_url + self.slot["url"]
        version, sequence = None, 0
        while not stop.is_set():
            if version is None:
                response = self._call(session, "GET", url, "open form")
                match = VERSION.search(response.text) if response is not None and response.status_code == 200 else None
                if match is None:
                    time.sleep(0.2)
                    continue
                version = int(match.group(1) or match.group(2))
            sequence += 1
            response = self._call(session, "POST", url, "save", data={
                "csrfmiddlewaretoken": session.cookies.get("csrftoken", ""), "version": str(version),
                "intent": "save", "narrative": f"[Fault] save {sequence}", "status": "on_track",
                **{name: str(sequence) for name in self.slot["indicators"]},
            })
            saved = response is not None and response.status_code == 302
            if saved and response.headers["Location"] == self.slot["url"]:
                self.acknowledged.append(sequence)
                version += 1
            else:
                version = None  # whether it was saved or not, read the version again
                time.sleep(0.2)
            time.sleep(0.05)

    def _call(self, session, method, url, kind, **kwargs):
        started = time.monotonic()
        try:
            response = session.request(method, url, timeout=REQUEST_TIMEOUT, allow_redirects=False, **kwargs)
        except requests.RequestException as exc:
            self.answers.append(Answer(kind, started, time.monotonic(), None, error=repr(exc)))
            return None
        self.answers.append(Answer(kind, started, time.monotonic(), response.status_code, body=response.text))
        return response


def copy_database(source_url: str, target_url: str) -> None:
    tools = servers.postgres_bin_dir()
    dump = subprocess.Popen([str(tools / "pg_dump"), "--no-owner", "--no-privileges", source_url],
                            stdout=subprocess.PIPE)
    restore = subprocess.run([str(tools / "psql"), "-q", "-v", "ON_ERROR_STOP=1", target_url],
                             stdin=dump.stdout, capture_output=True, text=True, timeout=300)
    dump.stdout.close()
    assert dump.wait(timeout=300) == 0 and restore.returncode == 0, restore.stderr[-2000:]


def test_postgres_restarted_during_saves_loses_nothing_and_recovers_alone(prepared_database, run_dir):
    template, data_path = prepared_database
    data = json.loads(data_path.read_text())
    clients = [Client(writer, writer["slots"][0]) for writer in data["writers"][:CLIENTS]]
    cluster = servers.PostgresCluster()
    try:
        cluster.init()
        cluster.start()
        with psycopg.connect(cluster.url, autocommit=True) as conn:
            conn.execute("CREATE DATABASE metroplan")
        database_url = servers.with_database(cluster.url, "metroplan")
        copy_database(servers.with_database(os.environ["DATABASE_URL"], template), database_url)
        before = update_versions(database_url, clients)

        restarts = []
        with servers.redis_server() as redis:
            env = servers.site_env(database_url=database_url, redis_url=redis.url, var_dir=run_dir)
            assert "DB_CONN_MAX_AGE" not in env, "the production default (persistent connections) is what is tested"
            with servers.gunicorn(env, workers=2, threads=4, log_dir=run_dir) as site:
                stop = threading.Event()
                threads = [threading.Thread(target=c.run, args=(site.base_url, stop), daemon=True) for c in clients]
                for thread in threads:
                    thread.start()
                for client in clients:  # signing in (password hashing) is slow: all in before the faults
                    assert client.signed_in.wait(timeout=60), f"could not sign in: {client.sign_in_answer}"
                time.sleep(3)
                for mode in ("fast", "immediate"):
                    down = time.monotonic()
                    cluster.restart(mode)
                    restarts.append((mode, down, time.monotonic()))
                    time.sleep(4)
                stopped = time.monotonic()
                stop.set()
                for thread in threads:
                    thread.join(timeout=REQUEST_TIMEOUT + 5)
                    assert not thread.is_alive(), "a client hung"
        after = update_state(database_url, clients)
    finally:
        cluster.destroy()

    answers = [(client, answer) for client in clients for answer in client.answers]
    figures = {
        "restarts": [{"mode": mode, "down_s": round(up - down, 2)} for mode, down, up in restarts],
        "requests": len(answers),
        "acknowledged_saves": sum(len(c.acknowledged) for c in clients),
        "error_pages": sum(1 for _, a in answers if a.status not in (200, 302)),
        "slowest_s": round(max(a.finished - a.started for _, a in answers), 2),
    }
    servers.OUTPUT.mkdir(exist_ok=True)
    (servers.OUTPUT / "fault-postgres-restart.json").write_text(json.dumps(figures, indent=1))
    print(f"\nPostgreSQL restarted during saves: {figures}")

    # No hang, and nothing but the clear 503 page in the layout.
    slow = [a for _, a in answers if a.status is None or a.finished - a.started > SLOWEST_ACCEPTED]
    assert slow == [], [(a.kind, a.status, a.error, round(a.finished - a.started, 1)) for a in slow]
    unclear = [a for _, a in answers if a.status not in (200, 302) and not (
        a.status == 503 and 'class="site-header"' in a.body and 'id="database-unavailable"' in a.body
    )]
    assert unclear == [], [(a.kind, a.status, a.body[:300]) for a in unclear]
    assert any(a.status == 503 for _, a in answers), "the restarts were never seen: the test proved nothing"

    # Recovered alone: every request sent once PostgreSQL answered again succeeded.
    ends = [down for _mode, down, _up in restarts[1:]] + [stopped]
    for (mode, _down, up), window_end in zip(restarts, ends, strict=True):
        late = [a for _, a in answers if up + GRACE_AFTER_RESTART <= a.started and a.finished < window_end]
        failed = [(a.kind, a.status, round(a.started - up, 2)) for a in late if a.status not in (200, 302)]
        assert late and failed == [], f"after the {mode} restart: {failed}"
    for client in clients:
        assert any(a.kind == "save" and a.status == 302 and a.started > restarts[-1][2] for a in client.answers)

    # Nothing lost, nothing half done.
    for client in clients:
        slot = client.slot["url"]
        committed, narrative, version, values = after[slot]
        assert set(client.acknowledged) <= set(committed), f"{slot}: acknowledged saves lost"
        assert committed == sorted(committed) and len(set(committed)) == len(committed), slot
        last = committed[-1]
        assert narrative == f"[Fault] save {last}", slot
        assert set(values) == set(client.slot["indicators"]) and set(values.values()) == {str(last)}, slot
        assert version == before[slot] + len(committed), f"{slot}: version {version}, {len(committed)} saves"


def _slot_rows(conn, clients):
    for client in clients:
        slot = client.slot
        yield slot["url"], conn.execute(
            "SELECT u.id, u.version, u.narrative FROM reporting_progressupdate u "
            "JOIN members_member m ON m.id = u.member_id JOIN actions_action a ON a.id = u.action_id "
            "JOIN reporting_reportingperiod p ON p.id = u.period_id "
            "WHERE m.slug = %s AND a.code = %s AND p.code = %s",
            [slot["member"], slot["action"], slot["period"]],
        ).fetchone()


def update_versions(database_url, clients) -> dict:
    with psycopg.connect(database_url) as conn:
        return {url: row[1] if row else 0 for url, row in _slot_rows(conn, clients)}


def update_state(database_url, clients) -> dict:
    """Per slot: the saves committed (from the history, in order), and the update as it stands."""
    state = {}
    with psycopg.connect(database_url) as conn:
        for url, (update_id, version, narrative) in _slot_rows(conn, clients):
            committed = [int(n) for (n,) in conn.execute(
                "SELECT substring(narrative from '^\\[Fault\\] save ([0-9]+)$') FROM reporting_historicalprogressupdate"
                " WHERE id = %s AND narrative LIKE '[Fault] save %%' ORDER BY history_id",
                [update_id],
            )]
            values = dict(conn.execute(
                "SELECT 'ind_' || indicator_id || '_value', trim_scale(value)::text FROM reporting_indicatorvalue"
                " WHERE update_id = %s",
                [update_id],
            ).fetchall())
            state[url] = (committed, narrative, version, values)
    return state
