"""The mixed load (issue 13 part 9, issue 17): run by tests/load/test_load.py,
headless, bounded in time (-t) and in requests (LOAD_MAX_REQUESTS), loopback only.

- 70 %: signed-in people reading pages: the overview, a goal, an action, the
  members list, a member, the compliance heatmap, their updates page;
- 20 %: integrators reading API lists with read tokens;
- 10 %: focal points opening an update, saving it (once or twice) and submitting it.

The user classes' weights give that mix (each task is one request); the measured
mix is reported. Environment: LOAD_DATA (JSON from tests/load/prepare.py),
LOAD_RESULT (where to write figures and the acknowledged writes), LOAD_MAX_REQUESTS,
LOAD_WAIT_MIN / LOAD_WAIT_MAX (think time in seconds).
"""

import itertools
import json
import os
import random
import re
import time
import uuid
from urllib.parse import urlsplit

import gevent
from locust import HttpUser, between, events, task

DATA = json.loads(open(os.environ["LOAD_DATA"]).read()) if os.environ.get("LOAD_DATA") else {}
RESULT = os.environ.get("LOAD_RESULT", "load-result.json")
MAX_REQUESTS = int(os.environ.get("LOAD_MAX_REQUESTS", "0"))
WAIT = between(float(os.environ.get("LOAD_WAIT_MIN", "0.5")), float(os.environ.get("LOAD_WAIT_MAX", "1.5")))
CATEGORIES = ("pages", "api", "writes", "login")
VERSION = re.compile(r'name="version"[^>]*value="(\d+)"|value="(\d+)"[^>]*name="version"')
MESSAGE = re.compile(r'<p class="message[^"]*">(.*?)</p>', re.S)

_readers = itertools.cycle(DATA.get("page_readers", []))
_tokens = itertools.cycle(DATA.get("tokens", []))
_writers = iter(DATA.get("writers", []))
_times: dict[str, list[float]] = {category: [] for category in CATEGORIES}
_failures: list[dict] = []
_acknowledged: list[dict] = []
_window = {"first": None, "last": None}
_state = {"count": 0, "environment": None, "stopping": False}


@events.init.add_listener
def _keep_environment(environment, **_kwargs):
    _state["environment"] = environment


@events.request.add_listener
def _record(request_type, name, response_time, response_length, exception=None, response=None, **_kwargs):
    category = name.split(" ", 1)[0]
    now = time.time()
    _window["first"] = _window["first"] or now - response_time / 1000
    _window["last"] = now
    _times.setdefault(category, []).append(response_time)
    if exception is not None:
        _failures.append({
            "name": name, "error": str(exception)[:500],
            "status": getattr(response, "status_code", None),
        })
    _state["count"] += 1
    if MAX_REQUESTS and _state["count"] >= MAX_REQUESTS and not _state["stopping"]:
        _state["stopping"] = True
        gevent.spawn(_state["environment"].runner.quit)


def _percentile(ordered: list[float], fraction: float) -> float:
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered) + 0.5) - 1))
    return round(ordered[index], 1)


def _figures(times: list[float], seconds: float, failures: int) -> dict:
    ordered = sorted(times)
    return {
        "requests": len(ordered),
        "errors": failures,
        "requests_per_s": round(len(ordered) / seconds, 1) if seconds else 0.0,
        "p50_ms": _percentile(ordered, 0.50),
        "p95_ms": _percentile(ordered, 0.95),
        "p99_ms": _percentile(ordered, 0.99),
        "max_ms": round(ordered[-1], 1) if ordered else 0.0,
    }


@events.quitting.add_listener
def _write_result(environment, **_kwargs):
    seconds = (_window["last"] or 0) - (_window["first"] or 0)
    everything = [t for times in _times.values() for t in times]
    mixed = [t for category, times in _times.items() if category != "login" for t in times]
    by_category = {
        category: _figures(times, seconds, sum(1 for f in _failures if f["name"].startswith(category + " ")))
        for category, times in _times.items()
    }
    result = {
        "seconds": round(seconds, 1),
        "users": environment.runner.target_user_count if environment.runner else None,
        "total": _figures(everything, seconds, len(_failures)),
        "mix": _figures(mixed, seconds, sum(1 for f in _failures if not f["name"].startswith("login "))),
        "by_category": by_category,
        "share": {
            category: round(len(_times[category]) / len(mixed), 3) if mixed else 0.0
            for category in _times if category != "login"
        },
        "failures": _failures[:50],
        "acknowledged_writes": _acknowledged,
    }
    with open(RESULT, "w") as handle:
        json.dump(result, handle, indent=1)


def _login(user: HttpUser, username: str, password: str, recovery_codes: list[str] | None = None) -> bool:
    """Sign in with the password, then (staff) a second factor: one of the
    reader's recovery codes, each good once."""
    user.client.get("/accounts/login/", name="login form")
    token = user.client.cookies.get("csrftoken", "")
    with user.client.post(
        "/accounts/login/", data={"username": username, "password": password, "csrfmiddlewaretoken": token},
        allow_redirects=False, name="login", catch_response=True,
    ) as response:
        location = response.headers.get("Location", "")
        if response.status_code != 302 or "/accounts/login/" in location:
            response.failure(f"{username} could not sign in ({response.status_code})")
            return False
        response.success()
    if "/accounts/2fa/" not in location:
        return True
    with user.client.post(
        location, data={"code": recovery_codes.pop() if recovery_codes else "", "csrfmiddlewaretoken": token},
        allow_redirects=False, name="login second factor", catch_response=True,
    ) as response:
        if response.status_code != 302 or "/accounts/" in response.headers.get("Location", ""):
            response.failure(f"{username} could not pass the second factor ({response.status_code})")
            return False
        response.success()
    return True


class PageReader(HttpUser):
    """Secretariat staff and demo focal points reading pages, signed in."""

    weight = 7
    wait_time = WAIT

    def on_start(self):
        reader = next(_readers)
        self.is_staff = reader["username"] == "secretariat"
        _login(self, reader["username"], reader["password"], reader.get("recovery_codes"))

    def _get(self, url: str, name: str):
        self.client.get(url, name=f"pages {name}")

    @task
    def overview(self):
        self._get("/", "/")

    @task
    def goal(self):
        self._get(f"/goals/{random.choice(DATA['goals'])}/", "/goals/[code]/")

    @task
    def action(self):
        self._get(f"/actions/{random.choice(DATA['actions'])}/", "/actions/[code]/")

    @task
    def members(self):
        self._get("/members/", "/members/")

    @task
    def member(self):
        self._get(f"/members/{random.choice(DATA['members'])}/", "/members/[slug]/")

    @task
    def heatmap(self):
        self._get("/compliance/", "/compliance/")

    @task
    def own_updates(self):
        if self.is_staff:
            self._get("/updates/review/", "/updates/review/")
        else:
            self._get("/updates/", "/updates/")


class Integrator(HttpUser):
    """Another system reading the API's lists with a read token."""

    weight = 2
    wait_time = WAIT

    def on_start(self):
        self.client.headers["Authorization"] = f"Token {next(_tokens)}"

    def _get(self, url: str):
        self.client.get(url, name=f"api {urlsplit(url).path}")

    @task
    def actions(self):
        self._get("/api/v1/actions/?page_size=100")

    @task
    def members(self):
        self._get("/api/v1/members/")

    @task
    def updates(self):
        self._get("/api/v1/updates/?page_size=100")

    @task
    def goals(self):
        self._get("/api/v1/goals/")

    @task
    def indicators(self):
        self._get("/api/v1/indicators/")

    @task
    def periods(self):
        self._get("/api/v1/periods/")


class FocalPointWriter(HttpUser):
    """A focal point working through its member's open slots: open the form,
    save a draft (sometimes twice), submit. When a member's slots are done it
    hands over to the next member's focal point. Every acknowledged save and
    submit is recorded, to be found in the database afterwards."""

    weight = 1
    wait_time = WAIT

    def on_start(self):
        self.slots: list[dict] = []
        self.slot = None
        self.step = "open"

    def _next_slot(self) -> bool:
        while not self.slots:
            writer = next(_writers, None)
            if writer is None:
                return False
            self.client.cookies.clear()
            if _login(self, writer["username"], writer["password"]):
                self.slots = list(writer["slots"])
        self.slot = self.slots.pop(0)
        self.step = "open"
        return True

    @task
    def work(self):
        if self.slot is None and not self._next_slot():
            self.client.get("/updates/", name="pages /updates/")
            return
        if self.step == "open":
            self._open()
        elif self.step == "save":
            self._post("save")
        else:
            self._post("submit")

    def _open(self):
        slot = self.slot
        with self.client.get(slot["url"], name="writes open form", allow_redirects=False,
                             catch_response=True) as response:
            match = VERSION.search(response.text or "") if response.status_code == 200 else None
            if match is None:
                response.failure(f"no form for {slot['url']} ({response.status_code})")
                self.slot = None
                return
            response.success()
        slot["version"] = int(match.group(1) or match.group(2))
        self.saves = random.choice((1, 1, 2))
        self.step = "save"

    def _post(self, intent: str):
        slot = self.slot
        marker = uuid.uuid4().hex
        ranges, not_available = slot.get("ranges", {}), set(slot.get("not_available", ()))
        values = {field: None if field in not_available else str(random.randint(*ranges.get(field, (0, 900))))
                  for field in slot["indicators"]}
        marked = {}
        for field in not_available:  # ind_<pk>_value -> ind_<pk>_na, ind_<pk>_reason
            prefix = field.removesuffix("value")
            marked[prefix + "na"], marked[prefix + "reason"] = "on", "Not measured by the load suite."
        data = {
            "csrfmiddlewaretoken": self.client.cookies.get("csrftoken", ""),
            "version": str(slot["version"]), "intent": intent,
            "narrative": f"[Load suite] {marker}: activities went ahead as planned.",
            "status": "on_track", **{k: v for k, v in values.items() if v is not None}, **marked,
        }
        expected = slot["url"] if intent == "save" else "/updates/"
        with self.client.post(slot["url"], data=data, name=f"writes {intent}", allow_redirects=False,
                              catch_response=True) as response:
            location = response.headers.get("Location", "")
            if response.status_code != 302 or urlsplit(location).path != expected:
                said = " / ".join(m.strip() for m in MESSAGE.findall(response.text or ""))[:300]
                response.failure(f"{intent} of {slot['url']} answered {response.status_code} {location} {said}")
                self.slot = None
                return
            response.success()
        _acknowledged.append({
            "marker": marker, "intent": intent, "values": values,
            **{key: slot[key] for key in ("member", "period", "action")},
        })
        slot["version"] += 1 if intent == "save" else 2  # submit: the form's save, then the transition
        if intent == "submit":
            self.slot = None
            return
        self.saves -= 1
        self.step = "save" if self.saves > 0 else "submit"
