"""The read replica: inside `replica_reads()` reads go to the "replica" alias
and writes to the primary; outside it everything is on the primary; with no
replica configured the same code reads the primary.

The replica here is a second database (an SQLite file holding the regions'
table and a row of its own), so a read that reaches it is seen in its answer."""

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import dj_database_url
import pytest
from django.db import connections

from members.models import Region
from metroplan.db_router import REPLICA, replica_reads
from metroplan.testing import factories as f

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


@pytest.fixture
def replica(tmp_path, settings):
    settings.DATABASE_ROUTERS = ["metroplan.db_router.ReplicaRouter"]
    connections.settings[REPLICA] = dj_database_url.parse(f"sqlite:///{tmp_path / 'replica.sqlite3'}")
    connections.configure_settings(connections.settings)
    try:
        connections[REPLICA].connect()  # opened here: the test's database guard knows only "default"
        with connections[REPLICA].schema_editor() as editor:
            editor.create_model(Region)
        Region.objects.using(REPLICA).create(slug="only-on-replica", name="Only on the replica")
        yield
    finally:
        connections[REPLICA].close()
        del connections[REPLICA]
        del connections.settings[REPLICA]


def test_reads_inside_the_block_go_to_the_replica_and_writes_to_the_primary(replica):
    f.RegionFactory(slug="on-primary", name="On the primary")
    with replica_reads() as alias:
        assert alias == REPLICA
        assert list(Region.objects.values_list("slug", flat=True)) == ["only-on-replica"]
        written = Region.objects.create(slug="written-inside", name="Written inside the block")
        assert written._state.db == "default"
        assert Region.objects.select_for_update().db == "default"  # a locking read is a write's
    assert set(Region.objects.values_list("slug", flat=True)) == {"on-primary", "written-inside"}
    assert not Region.objects.using(REPLICA).filter(slug="written-inside").exists()


def test_reads_outside_the_block_stay_on_the_primary(replica):
    f.RegionFactory(slug="on-primary", name="On the primary")
    assert Region.objects.all().db == "default"
    assert list(Region.objects.values_list("slug", flat=True)) == ["on-primary"]


def test_without_a_replica_the_block_reads_the_primary(settings):
    settings.DATABASE_ROUTERS = ["metroplan.db_router.ReplicaRouter"]
    f.RegionFactory(slug="on-primary", name="On the primary")
    with replica_reads() as alias:
        assert alias == "default"
        assert list(Region.objects.values_list("slug", flat=True)) == ["on-primary"]


def test_the_plan_export_and_a_reports_snapshot_read_the_replica(replica, client, cast, monkeypatch):
    import actions.views_plan
    from reporting import report_services
    from reporting.models import Report

    seen = []

    def snapshot(report):
        seen.append(Region.objects.all().db)
        raise RuntimeError("enough: the snapshot was taken")

    monkeypatch.setattr(actions.views_plan, "export_csv",
                        lambda plan, sheet: seen.append(Region.objects.all().db) or "")
    monkeypatch.setattr(report_services, "report_snapshot", snapshot)
    plan = f.PlanFactory()
    client.force_login(cast.staff)
    assert client.get("/plan/export.csv").status_code == 200
    period = f.ReportingPeriodFactory(plan=plan)
    report = Report.objects.create(plan=plan, period=period, kind=Report.Kind.ON_DEMAND, requested_by=cast.staff,
                                   as_of=date(2022, 4, 1))
    with pytest.raises(RuntimeError, match="enough"):
        report_services.report_build(report_id=report.pk)
    assert seen == [REPLICA, REPLICA]
    report.refresh_from_db()  # on the primary: the failure was written there
    assert report.state == Report.State.FAILED


CODE = (
    "from django.conf import settings; r = settings.DATABASES.get('replica');"
    "print(r and r['NAME'], r and r['CONN_HEALTH_CHECKS'], settings.DATABASE_ROUTERS if r else [])"
)


def _settings(**env):
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "METROPLAN_TESTING", "DATABASE_REPLICA_URL"}}
    clean.update(env, DJANGO_SETTINGS_MODULE="metroplan.settings", SECRET_KEY="s3cret-value",
                 DATABASE_URL="postgres://u:p@db.internal:5432/plan")
    return subprocess.run([sys.executable, "-c", CODE], cwd=ROOT, env=clean, capture_output=True, text=True)


def test_database_replica_url_adds_the_alias_and_the_router():
    result = _settings(DATABASE_REPLICA_URL="postgres://u:p@replica.internal:5432/plan")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["plan", "True", "['metroplan.db_router.ReplicaRouter']"]
    assert _settings().stdout.split() == ["None", "None", "[]"]
