"""Existing evidence and report files move to random names in the private
storage (evidence/<member>/<period>/<name> could be guessed); an evidence
file's own name is kept in `file_name` for downloads.

A file already missing from the storage keeps its row and name (its download is
a 404, as before). Reversing leaves the files where they are: the rows still
name them, so every file stays reachable."""

import logging
import os
import re
from pathlib import PurePosixPath

from django.core.files.storage import FileSystemStorage
from django.db import migrations

from metroplan.files import private_name

logger = logging.getLogger(__name__)
RANDOM_NAME = re.compile(r"^(evidence|reports)/[0-9a-f]{32}(\.[a-z0-9]{1,10})?$")


def _move(storage, old: str, folder: str) -> str | None:
    """The file's new random name after moving it, or None when it is not there."""
    if RANDOM_NAME.match(old):
        return old
    if not storage.exists(old):
        logger.warning("Private file %s is missing; its row keeps the name", old)
        return None
    new = private_name(folder, old)
    if isinstance(storage, FileSystemStorage):
        target = storage.path(new)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        os.replace(storage.path(old), target)
    else:  # object storage: copy, then delete
        with storage.open(old, "rb") as handle:
            new = storage.save(new, handle)
        storage.delete(old)
    return new


def forwards(apps, schema_editor):
    Evidence = apps.get_model("reporting", "Evidence")
    Report = apps.get_model("reporting", "Report")
    storage = Evidence._meta.get_field("file").storage
    for evidence in Evidence.objects.exclude(file="").only("pk", "file", "file_name").iterator():
        old = evidence.file.name
        new = _move(storage, old, "evidence")
        Evidence.objects.filter(pk=evidence.pk).update(
            file=new or old, file_name=evidence.file_name or PurePosixPath(old).name[-255:]
        )
    for report in Report.objects.only("pk", "pdf", "xlsx", "csv").iterator():
        changes = {}
        for field in ("pdf", "xlsx", "csv"):
            old = getattr(report, field).name
            if old:
                new = _move(storage, old, "reports")
                if new and new != old:
                    changes[field] = new
        if changes:
            Report.objects.filter(pk=report.pk).update(**changes)


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0011_private_files"),
    ]

    operations = [
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
