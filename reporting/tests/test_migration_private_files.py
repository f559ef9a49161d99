"""Migration 0011 moves existing evidence and report files from their
guessable names (evidence/<member>/<period>/<name>) to random ones, keeps an
evidence file's own name for downloads, and leaves a missing file's row as it
was."""

import re
from datetime import date

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from metroplan.testing import factories as f

BEFORE = [("reporting", "0011_private_files")]
AFTER = [("reporting", "0012_private_file_names")]


@pytest.mark.django_db(transaction=True)
def test_existing_files_move_to_random_names_and_keep_their_own_name(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    # The plan, member and update rows, written by today's models before going back: later migrations
    # add columns to them (kept through the round trip), these ones do not touch them.
    update = f.ProgressUpdateFactory(member=f.MemberFactory(slug="bogota"), period__code="2023-Q3")
    plan_id, period_id = update.period.plan_id, update.period_id
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    Evidence, Report = old.get_model("reporting", "Evidence"), old.get_model("reporting", "Report")
    storage = Evidence._meta.get_field("file").storage
    old_name = storage.save("evidence/bogota/2023-Q3/Acta del consejo.pdf", ContentFile(b"%PDF minutes"))
    kept = Evidence.objects.create(update_id=update.pk, file=old_name)
    lost = Evidence.objects.create(update_id=update.pk, file="evidence/bogota/2023-Q3/gone.pdf")
    report_name = storage.save("reports/report-2021-2023-period-2023-Q3-2023-10-31-1.pdf", ContentFile(b"%PDF r"))
    report = Report.objects.create(
        plan_id=plan_id, kind="period", period_id=period_id, as_of=date(2023, 10, 31), state="done", pdf=report_name
    )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    Evidence, Report = new.get_model("reporting", "Evidence"), new.get_model("reporting", "Report")
    moved = Evidence.objects.get(pk=kept.pk)
    assert re.fullmatch(r"evidence/[0-9a-f]{32}\.pdf", moved.file.name)
    assert moved.file_name == "Acta del consejo.pdf"
    assert storage.open(moved.file.name).read() == b"%PDF minutes"
    assert not storage.exists(old_name) and not list((tmp_path / "evidence" / "bogota").rglob("*.pdf"))
    missing = Evidence.objects.get(pk=lost.pk)
    assert missing.file.name == "evidence/bogota/2023-Q3/gone.pdf" and missing.file_name == "gone.pdf"
    pdf = Report.objects.get(pk=report.pk).pdf.name
    assert re.fullmatch(r"reports/[0-9a-f]{32}\.pdf", pdf) and storage.open(pdf).read() == b"%PDF r"
    assert not storage.exists(report_name)

    # Run again (or after a partial run): nothing moves twice.
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    assert Evidence.objects.get(pk=kept.pk).file.name == moved.file.name
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
