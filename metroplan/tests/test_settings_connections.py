"""Persistent database connections by default in production, each checked
before reuse; none kept by the development server; a bad value is an error."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CODE = (
    "from django.conf import settings; d = settings.DATABASES['default'];"
    "print(d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS'])"
)


def database_settings(**env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items()
             if k not in {"DEBUG", "SECRET_KEY", "METROPLAN_TESTING", "DB_CONN_MAX_AGE"}}
    clean.update(env, DJANGO_SETTINGS_MODULE="metroplan.settings",
                 DATABASE_URL="postgres://u:p@db.internal:5432/plan")
    return subprocess.run([sys.executable, "-c", CODE], cwd=ROOT, env=clean, capture_output=True, text=True)


def test_production_keeps_connections_a_minute_and_checks_them():
    result = database_settings(SECRET_KEY="s3cret-value")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["60", "True"]


def test_the_age_comes_from_the_environment():
    result = database_settings(SECRET_KEY="s3cret-value", DB_CONN_MAX_AGE="300")
    assert result.stdout.split() == ["300", "True"]


def test_the_development_server_keeps_none():
    result = database_settings(DEBUG="1")
    assert result.stdout.split() == ["0", "True"]


def test_a_malformed_or_negative_age_is_an_error():
    for value in ("a minute", "-1"):
        result = database_settings(SECRET_KEY="s3cret-value", DB_CONN_MAX_AGE=value)
        assert result.returncode != 0
        assert "DB_CONN_MAX_AGE must be" in result.stderr
