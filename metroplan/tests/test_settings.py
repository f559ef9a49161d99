"""Safe production defaults: DEBUG off unless asked for, no default secret."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def load_settings(**env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "METROPLAN_TESTING"}}
    clean.update(env)
    clean["DJANGO_SETTINGS_MODULE"] = "metroplan.settings"
    code = "from django.conf import settings; print(settings.DEBUG, settings.SECRET_KEY[:6], settings.ALLOWED_HOSTS)"
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True)


def test_production_mode_refuses_to_start_without_a_secret_key():
    result = load_settings()
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_debug_is_off_unless_asked_for():
    result = load_settings(SECRET_KEY="s3cret-value", ALLOWED_HOSTS="plan.example.org")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == "False"
    assert "plan.example.org" in result.stdout


def test_a_malformed_boolean_is_an_error_not_a_silent_default():
    result = load_settings(DEBUG="maybe")
    assert result.returncode != 0
    assert "DEBUG must be a boolean" in result.stderr


def test_database_and_broker_come_from_the_environment():
    code = (
        "from django.conf import settings; d=settings.DATABASES['default'];"
        "print(d['ENGINE'], d['NAME'], d['HOST'] or '-', settings.CELERY_BROKER_URL)"
    )
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY"}}
    env.update(DJANGO_SETTINGS_MODULE="metroplan.settings", DEBUG="1",
               DATABASE_URL="postgres://u:p@db.internal:5432/plan", REDIS_URL="redis://cache.internal:6379/0")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.postgresql", "plan", "db.internal", "redis://cache.internal:6379/0"
    ]
    env.pop("DATABASE_URL"), env.pop("REDIS_URL")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    engine, name, _host, broker = result.stdout.split()
    assert engine == "django.db.backends.sqlite3" and name.endswith("var/metroplan.sqlite3")
    assert broker == "filesystem://"


def run_manage(*args) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "METROPLAN_TESTING"}}
    clean.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=clean, capture_output=True, text=True)


def test_offline_commands_run_without_a_secret_but_nothing_else_does():
    result = run_manage("makemigrations", "--check", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "No changes detected" in result.stdout
    result = run_manage("check")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_postgresql_connections_turn_jit_off_and_keep_the_urls_options():
    code = "from django.conf import settings; print(settings.DATABASES['default']['OPTIONS']['options'])"
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY"}}
    env.update(DJANGO_SETTINGS_MODULE="metroplan.settings", DEBUG="1")
    for url, expected in (
        ("postgres://u:p@db.internal:5432/plan", "-c jit=off"),
        ("postgres://u:p@db.internal:5432/plan?options=-c%20search_path%3Dplan", "-c search_path=plan -c jit=off"),
    ):
        result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**env, "DATABASE_URL": url},
                                capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == expected
