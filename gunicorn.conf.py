"""gunicorn's settings for metroplan; gunicorn reads this file from the working
directory (the Dockerfile's CMD and docker-compose.yml rely on it).

Sized for a 2-core host (README, "Load and faults"): WEB_CONCURRENCY workers of
GUNICORN_THREADS threads each. Every thread keeps its own database connection
(DB_CONN_MAX_AGE), so PostgreSQL sees up to workers × threads connections per
host. Command-line options (as the load suite's --workers 2) override these.
"""

from metroplan.env import env_int, env_str

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
