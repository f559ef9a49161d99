"""The embedded file-system broker keeps all its files under var/: running the
site or a worker leaves nothing behind in the working directory (kombu's
default would be a `control/` folder there, which then got committed)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_publishing_a_task_writes_the_broker_files_under_var_and_nothing_in_the_working_directory(tmp_path):
    workdir, var = tmp_path / "cwd", tmp_path / "var"
    workdir.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "CELERY_BROKER_URL"}}
    env.update(DJANGO_SETTINGS_MODULE="metroplan.settings_test", METROPLAN_VAR_DIR=str(var),
               PYTHONPATH=str(ROOT))
    code = (
        "import django; django.setup();"
        "from metroplan.celery import app;"
        "app.send_task('metroplan.ping', args=[]);"
        "print(app.conf.broker_url)"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=workdir, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().startswith("filesystem://")
    assert list(workdir.iterdir()) == []
    assert (var / "celery-broker" / "control" / "celery.exchange").exists()
