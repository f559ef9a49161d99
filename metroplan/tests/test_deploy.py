"""The production image's build steps, run as the Dockerfile runs them.

The image itself cannot be built here, so these tests run its commands with
production-like settings: DEBUG off, the manifest static storage, HTTPS
settings from the environment.
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION_ENV = {
    "SECRET_KEY": "a-production-like-secret-key-that-is-long-enough-and-random-5f9c2e7a1b3d",
    "ALLOWED_HOSTS": "plan.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://plan.example.org",
}


def run_manage(*args, tmp_path, **env) -> subprocess.CompletedProcess:
    # DJANGO_ALLOW_ASYNC_UNSAFE is set by the browser tests' fixture; never in deployment.
    ignored = {"DEBUG", "SECRET_KEY", "METROPLAN_TESTING", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {k: v for k, v in os.environ.items() if k not in ignored}
    clean.update(PRODUCTION_ENV, METROPLAN_VAR_DIR=str(tmp_path), **env)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=clean, capture_output=True, text=True)


def test_collectstatic_with_debug_off_builds_the_manifest(tmp_path):
    result = run_manage("collectstatic", "--no-input", "--verbosity", "0", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    manifest = tmp_path / "staticfiles" / "staticfiles.json"
    assert manifest.exists()
    assert "vendor/chartjs/chart.umd.min.js" in manifest.read_text()


def _compose_environment() -> dict[str, str]:
    """The app's environment in docker-compose.yml with every `${VAR:-default}`
    at its default, as `docker compose up` with only SECRET_KEY set gives."""
    import re

    import yaml

    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    environment = compose["x-app"]["environment"]
    resolved = {}
    for name, value in environment.items():
        value = str(value)
        value = re.sub(r"\$\{SECRET_KEY:\?[^}]*\}", PRODUCTION_ENV["SECRET_KEY"], value)
        resolved[name] = re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", value)
    # hosts and folders of the stack's containers: not needed to check
    for server in ("DATABASE_URL", "REDIS_URL", "MEDIA_ROOT", "PROMETHEUS_MULTIPROC_DIR"):
        resolved.pop(server, None)
    return resolved


def test_check_deploy_gives_no_warning_with_production_settings(tmp_path):
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_gives_no_warning_with_the_docker_compose_defaults(tmp_path):
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", tmp_path=tmp_path, **_compose_environment())
    assert result.returncode == 0, result.stderr + result.stdout


def test_https_can_be_left_to_the_proxy(tmp_path):
    code = ("from django.conf import settings; "
            "print(settings.SECURE_SSL_REDIRECT, settings.SECURE_HSTS_SECONDS, settings.SESSION_COOKIE_SECURE)")
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "METROPLAN_TESTING"}}
    clean.update(PRODUCTION_ENV, DJANGO_SETTINGS_MODULE="metroplan.settings", METROPLAN_VAR_DIR=str(tmp_path))
    on = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True)
    assert on.stdout.split() == ["True", "31536000", "True"], on.stderr
    off = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**clean, "HTTPS_BY_PROXY": "1"},
                         capture_output=True, text=True)
    assert off.stdout.split() == ["False", "0", "True"], off.stderr
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", tmp_path=tmp_path, HTTPS_BY_PROXY="1")
    assert result.returncode == 0, result.stderr


def test_the_dockerfile_and_ci_run_the_same_build_checks():
    assert "RUN sh deploy/build-checks.sh" in (ROOT / "Dockerfile").read_text()
    assert "sh deploy/build-checks.sh" in (ROOT / ".ci" / "run").read_text()
