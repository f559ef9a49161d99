"""What the load and fault tests need: PostgreSQL (DATABASE_URL), the PostgreSQL
server binaries, redis-server and locust. On a plain SQLite `make test` they are
skipped with the reason; in CI (CI=true, or DATABASE_URL on PostgreSQL) a missing
piece is a failure, so a skipped load suite is never counted as passing."""

import os
import shutil
from pathlib import Path

import pytest

from tests.load import servers

OUTPUT = servers.OUTPUT


def load_suite_required() -> bool:
    url = os.environ.get("DATABASE_URL", "")
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"} or url.startswith(("postgres://", "postgresql://"))


def missing_pieces() -> list[str]:
    missing = []
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        missing.append("DATABASE_URL on PostgreSQL")
    if servers.postgres_bin_dir() is None:
        missing.append("PostgreSQL server binaries (/usr/lib/postgresql/*/bin)")
    if shutil.which("redis-server") is None:
        missing.append("redis-server")
    if not (servers.BIN / "locust").exists():
        missing.append("locust (pip install -e '.[test]')")
    if os.geteuid() == 0:
        try:
            import pwd

            pwd.getpwnam("postgres")
        except KeyError:
            missing.append("a `postgres` system user to run the fault test's own cluster")
    return missing


@pytest.fixture(scope="session")
def load_suite():
    """Skip (plain SQLite run) or fail (CI) when the load suite cannot run."""
    missing = missing_pieces()
    if missing:
        message = "the load and fault suite needs " + ", ".join(missing)
        if load_suite_required():
            pytest.fail(message + " (required in CI: CI=true or DATABASE_URL on PostgreSQL)")
        pytest.skip(message + "; it runs in .ci/run")
    OUTPUT.mkdir(exist_ok=True)
    return OUTPUT


@pytest.fixture(scope="session")
def prepared_database(load_suite, tmp_path_factory):
    """A database with the plan, the members, the demo and the load's people,
    built once per session on DATABASE_URL's server as `<name>_load_template`;
    each test copies it. Yields (template name, the prepared JSON)."""
    admin_url = os.environ["DATABASE_URL"]
    template = f"{servers.database_name(admin_url)}_load_template"
    servers.recreate_database(admin_url, template)
    var_dir = tmp_path_factory.mktemp("load-prepare")
    data = var_dir / "load-data.json"
    env = servers.site_env(
        database_url=servers.with_database(admin_url, template), redis_url="", var_dir=var_dir,
    )
    env.pop("REDIS_URL")
    servers.prepare_site_data(env, data)
    yield template, data
    servers.drop_database(admin_url, template)


@pytest.fixture
def run_dir(tmp_path) -> Path:
    return tmp_path
