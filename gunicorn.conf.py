"""gunicorn's settings for metroplan; gunicorn reads this file from the working
directory (the Dockerfile's CMD and docker-compose.yml rely on it).

Sized for a 2-core host (README, "Load and faults"): WEB_CONCURRENCY workers of
GUNICORN_THREADS threads each. Every thread keeps its own database connection
(DB_CONN_MAX_AGE), so PostgreSQL sees up to workers × threads connections per
host. Command-line options (as the load suite's --workers 2) override these.

Logs: gunicorn's own lines and its access lines on standard error, JSON (or
text, LOG_FORMAT) like the site's, each access line with the request's id
(metroplan.logging.gunicorn_logconfig).

Metrics: with PROMETHEUS_MULTIPROC_DIR set, every worker keeps its counters in
that directory and /metrics adds them up; it is emptied when gunicorn starts,
and a worker that exits is marked dead (README, "Operations").
"""

import os
import socket
from pathlib import Path

from metroplan.env import env_bool, env_int, env_str
from metroplan.logging import gunicorn_logconfig

bind = env_str("GUNICORN_BIND", "0.0.0.0:8000")
workers = env_int("WEB_CONCURRENCY", 2)
threads = env_int("GUNICORN_THREADS", 4)
# A request that runs longer than this is killed and logged; the slowest page
# (the heatmap at 10×) takes under a second.
timeout = env_int("GUNICORN_TIMEOUT", 30)
graceful_timeout = 20
keepalive = 5
# Recycle workers now and then, so that a slow leak cannot grow without bound.
max_requests = 2000
max_requests_jitter = 200
accesslog = "-"
access_log_format = '%(m)s %(U)s %(s)s'  # the line's message; the JSON has every field
logconfig_dict = gunicorn_logconfig(
    log_format=env_str("LOG_FORMAT", "text" if env_bool("DEBUG", False) else "json").strip().lower(),
    level=env_str("LOG_LEVEL", "INFO"),
)


def on_starting(server):
    """This host's counters of a previous run must not be added to this one's
    (files are named <kind>_<host>-<pid>.db: metroplan/settings.py)."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        path = Path(directory)
        path.mkdir(parents=True, exist_ok=True)
        for stale in path.glob(f"*_{socket.gethostname()}-*.db"):
            stale.unlink()


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(f"{socket.gethostname()}-{worker.pid}")
