"""Structured logs (issue 13, part 9): JSON lines, each with the id of the
request it belongs to; the id in the response header and on the error page;
tasks carry the id of the request that queued them."""

import copy
import io
import json
import logging
import logging.config
import os
import subprocess
import sys

import pytest
from celery import signals
from django.conf import settings
from django.test import Client, override_settings
from django.urls import path

from metroplan.logging import CELERY_HEADER, request_id
from metroplan.urls import urlpatterns as site_urlpatterns


def boom(request):
    raise RuntimeError("the database went away")


urlpatterns = [path("boom/", boom), *site_urlpatterns]


@pytest.fixture
def log_lines():
    """The lines settings.LOGGING writes (JSON format), as parsed records."""
    buffer = io.StringIO()
    config = copy.deepcopy(settings.LOGGING)
    config["handlers"]["console"]["stream"] = buffer
    config["handlers"]["console"]["formatter"] = "json"
    logging.config.dictConfig(config)
    try:
        yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines()]
    finally:
        logging.config.dictConfig(settings.LOGGING)


@pytest.mark.django_db
def test_every_line_of_a_request_carries_its_id(client, log_lines):
    first = client.get("/no-such-page/")
    second = client.get("/accounts/login/")
    lines = log_lines()
    ids = {first["X-Request-ID"], second["X-Request-ID"]}
    assert len(ids) == 2
    not_found = [line for line in lines if line["logger"] == "django.request"]
    assert not_found and all(line["request_id"] == first["X-Request-ID"] for line in not_found)
    requests = {line["path"]: line for line in lines if line["logger"] == "metroplan.request"}
    assert requests["/no-such-page/"]["request_id"] == first["X-Request-ID"]
    assert requests["/no-such-page/"]["status"] == 404
    assert requests["/accounts/login/"]["request_id"] == second["X-Request-ID"]
    assert {"time", "level", "message"} <= set(requests["/accounts/login/"])


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__)
def test_the_error_page_shows_the_request_id_and_the_log_has_it(log_lines):
    client = Client(raise_request_exception=False)
    response = client.get("/boom/")
    assert response.status_code == 500
    rid = response["X-Request-ID"]
    page = response.content.decode()
    assert "Something went wrong on our side" in page and rid in page
    [error] = [line for line in log_lines() if line["level"] == "ERROR"]
    assert error["request_id"] == rid and "the database went away" in error["exc_info"]
    french = client.get("/boom/", HTTP_ACCEPT_LANGUAGE="fr")
    assert "citez cette référence" in french.content.decode()
    assert french["X-Request-ID"] in french.content.decode()


@pytest.mark.django_db
def test_a_trusted_proxys_request_id_is_kept_and_anyone_elses_replaced(client):
    given = "proxy-1234abcd"
    assert client.get("/accounts/login/", HTTP_X_REQUEST_ID=given)["X-Request-ID"] != given
    with override_settings(TRUSTED_PROXIES=["127.0.0.0/8"]):
        assert client.get("/accounts/login/", HTTP_X_REQUEST_ID=given)["X-Request-ID"] == given
        # Something that is not an id (here a forged log line) is never printed.
        forged = client.get("/accounts/login/", HTTP_X_REQUEST_ID='x" level=ERROR\n')["X-Request-ID"]
        assert forged != 'x" level=ERROR\n' and forged.isalnum()


def test_a_task_carries_the_id_of_the_request_that_queued_it(log_lines):
    token = request_id.set("req-0000aaaa")
    try:
        headers = {}
        signals.before_task_publish.send(sender="reporting.tasks.report_build", headers=headers, body=None)
    finally:
        request_id.reset(token)
    assert headers[CELERY_HEADER] == "req-0000aaaa"

    class Task:
        class request:  # noqa: N801 - what Celery's task.request offers
            request_id = headers[CELERY_HEADER]

    # In the worker, with no request around, the task's lines show the request's id.
    signals.task_prerun.send(sender=Task, task_id="task-1", task=Task)
    logging.getLogger("reporting.tasks").warning("building the report")
    signals.task_postrun.send(sender=Task, task_id="task-1", task=Task)
    logging.getLogger("reporting.tasks").warning("after the task")
    lines = [line for line in log_lines() if line["logger"] == "reporting.tasks"]
    assert [line["request_id"] for line in lines] == ["req-0000aaaa", "-"]


def test_a_task_no_request_queued_logs_under_its_own_id(log_lines):
    class Task:
        class request:  # noqa: N801
            pass

    signals.task_prerun.send(sender=Task, task_id="3f2a-beat-task", task=Task)
    logging.getLogger("reporting.tasks").info("monthly report")
    signals.task_postrun.send(sender=Task, task_id="3f2a-beat-task", task=Task)
    [line] = [line for line in log_lines() if line["logger"] == "reporting.tasks"]
    assert line["request_id"] == "3f2a-beat-task"


@pytest.mark.parametrize("value,ok", [("json", True), ("text", True), ("xml", False)])
def test_log_format_comes_from_the_environment_and_a_wrong_one_stops_the_process(value, ok):
    env = {**os.environ, "LOG_FORMAT": value, "METROPLAN_TESTING": "1", "DJANGO_SETTINGS_MODULE": "metroplan.settings"}
    code = "from django.conf import settings; print(settings.LOGGING['handlers']['console']['formatter'])"
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                            cwd=settings.BASE_DIR, timeout=60)
    if ok:
        assert result.returncode == 0 and result.stdout.strip() == value
    else:
        assert result.returncode != 0 and "LOG_FORMAT must be json or text" in result.stderr


@pytest.mark.django_db
def test_the_outbox_relay_publishes_with_the_id_of_the_request_that_wrote_the_row(monkeypatch):
    """The periodic relay runs as a task of its own; the work it publishes still
    logs under the id of the request that caused it."""
    from metroplan import outbox
    from metroplan.celery import app

    published = []
    monkeypatch.setattr(app, "send_task", lambda name, kwargs=None, headers=None: published.append((name, headers)))
    token = request_id.set("req-0000cccc")
    try:
        outbox.outbox_enqueue("metroplan.tests.no_such_task", thing=1)  # during the request; relayed later
    finally:
        request_id.reset(token)
    relay = request_id.set("relay-task-0000dddd")  # the periodic relay's own id
    try:
        assert outbox.outbox_relay() == 1
    finally:
        request_id.reset(relay)
    assert published == [("metroplan.tests.no_such_task", {CELERY_HEADER: "req-0000cccc"})]


def test_gunicorn_access_lines_are_json_with_the_request_id(capsys, monkeypatch):
    import runpy
    from datetime import timedelta
    from types import SimpleNamespace

    from gunicorn.config import Config
    from gunicorn.glogging import Logger

    monkeypatch.setenv("LOG_FORMAT", "json")
    conf = runpy.run_path(str(settings.BASE_DIR / "gunicorn.conf.py"))
    cfg = Config()
    for name in ("accesslog", "access_log_format", "logconfig_dict"):
        cfg.set(name, conf[name])
    log = Logger(cfg)
    response = SimpleNamespace(status="404 Not Found", sent=1234, headers=[("X-Request-ID", "req-0000eeee")])
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": "/goals/9/?x=1", "PATH_INFO": "/goals/9/", "QUERY_STRING": "x=1",
               "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "10.0.0.5", "HTTP_USER_AGENT": "curl/8"}
    log.access(response, SimpleNamespace(headers=[("USER-AGENT", "curl/8")]), environ,
               timedelta(milliseconds=12, microseconds=300))
    [line] = [json.loads(text) for text in capsys.readouterr().err.splitlines() if '"gunicorn.access"' in text]
    assert line["logger"] == "gunicorn.access" and line["message"] == "GET /goals/9/ 404"
    assert (line["method"], line["path"], line["query"], line["status"], line["bytes"]) == (
        "GET", "/goals/9/", "x=1", 404, 1234)
    assert line["request_id"] == "req-0000eeee" and line["duration_ms"] == 12.3
    assert line["remote_addr"] == "10.0.0.5" and line["user_agent"] == "curl/8"
    logging.config.dictConfig(settings.LOGGING)
