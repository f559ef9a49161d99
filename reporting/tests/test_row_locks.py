"""A write locks its own row, never the period, member or action it refers to.

Under the load suite's 50 users a focal point's save answered 503 "deadlock
detected": the save's `SELECT ... FOR UPDATE` of its update, ordered by the
updates' default ordering, joined the period, the member and the action and
locked their rows too; it then waited for the change feed's lock, held by
another save that was inserting a row referring to that period (a foreign-key
check, which waits for the period's row). Each lock names its own table only."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reporting import services
from reporting.commentary_services import commentary_save

from .conftest import make_update

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite takes no row locks (FOR UPDATE)"),
]


def _locked_tables(queries) -> list[str]:
    """For each `FOR UPDATE` statement, the tables it locks ("FOR UPDATE OF t"
    names them; a bare FOR UPDATE locks every table of the FROM clause)."""
    locks = []
    for query in queries:
        sql = query["sql"]
        if "FOR UPDATE" not in sql:
            continue
        named = re.search(r"FOR UPDATE OF (.+?)(?: NOWAIT| SKIP LOCKED|$)", sql)
        if named:
            locks.append(named.group(1))
        else:
            locks.append(" ".join(re.findall(r'(?:FROM|JOIN) ("\w+")', sql)))
    return locks


def test_saving_an_update_locks_the_update_alone(cast, world):
    make_update(world, cast.member_a, state="draft")
    with CaptureQueriesContext(connection) as queries:
        services.update_save(user=cast.focal_a, member=cast.member_a, action=world.action, period=world.period,
                             narrative="We trained 12 cities.", status="on_track", values=world.complete_values())
    locks = _locked_tables(queries.captured_queries)
    assert locks and all(tables == '"reporting_progressupdate"' for tables in locks), locks


def test_saving_a_commentary_locks_the_commentary_alone(cast, world):
    commentary_save(user=cast.staff, period=world.period, action=world.action, text="First take.")
    with CaptureQueriesContext(connection) as queries:
        commentary_save(user=cast.staff, period=world.period, action=world.action, text="Second take.",
                        expected_version=1)
    locks = _locked_tables(queries.captured_queries)
    assert locks and all(tables == '"reporting_commentary"' for tables in locks), locks
