"""Reads for reports and exports on a read replica, everything else on the primary.

With DATABASE_REPLICA_URL set (metroplan/settings.py), the settings add a
second database alias, "replica", and this router. Code that only reads, and
can live with the replica's lag of a moment (building a report's snapshot,
the plan's spreadsheet and CSV exports), runs inside `replica_reads()`; its
queries go to the replica. Every write, and every read outside that block (a
page, the API, a read that locks a row with SELECT ... FOR UPDATE), goes to the
primary ("default"), so a person always reads what they have just saved.

Without the setting there is no "replica" alias, and `replica_reads()` reads
the primary: one code path for one database or two (docs/scaling.md).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import connections

PRIMARY = "default"
REPLICA = "replica"

_on_replica: ContextVar[bool] = ContextVar("metroplan_replica_reads", default=False)


def replica_configured() -> bool:
    return REPLICA in connections.settings


@contextmanager
def replica_reads() -> Iterator[str]:
    """Within the block, reads go to the replica when there is one. Yields the
    alias the reads use. A thread started inside does not inherit it (each
    thread starts with a fresh context); a SELECT ... FOR UPDATE goes to the
    primary (Django routes it as a write)."""
    token = _on_replica.set(True)
    try:
        yield REPLICA if replica_configured() else PRIMARY
    finally:
        _on_replica.reset(token)


class ReplicaRouter:
    """DATABASE_ROUTERS entry: reads inside `replica_reads()` on the replica,
    all else on the primary; only the primary is migrated (the replica copies
    it)."""

    def db_for_read(self, model, **hints):
        if _on_replica.get() and replica_configured():
            return REPLICA
        return PRIMARY

    def db_for_write(self, model, **hints):
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        # The replica holds the same rows as the primary: an object read there
        # may be related to one read from the primary.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == PRIMARY
