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
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "METROPLAN_TESTING"}}
    clean.pop("DJANGO_SETTINGS_MODULE", None)
    clean.update(PRODUCTION_ENV, METROPLAN_VAR_DIR=str(tmp_path), **env)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=clean, capture_output=True, text=True)


def test_collectstatic_with_debug_off_builds_the_manifest(tmp_path):
    result = run_manage("collectstatic", "--no-input", "--verbosity", "0", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    manifest = tmp_path / "staticfiles" / "staticfiles.json"
    assert manifest.exists()
    assert "vendor/chartjs/chart.umd.min.js" in manifest.read_text()
