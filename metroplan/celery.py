"""The Celery app. Configuration is read from Django settings (CELERY_*)."""

import os
from pathlib import Path

from celery import Celery

from metroplan import logging as metroplan_logging

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "metroplan.settings")

app = Celery("metroplan")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Tasks carry the request id of the request that queued them; the worker logs as the web does.
metroplan_logging.connect_celery()


def ensure_broker_folders() -> None:
    """The file-system broker needs its folders before it can publish or consume."""
    options = app.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        if options.get(key):
            Path(options[key]).mkdir(parents=True, exist_ok=True)


if str(app.conf.broker_url).startswith("filesystem://"):
    ensure_broker_folders()
