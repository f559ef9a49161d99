"""The calendar day of a moment in a time zone that a column names, in SQL.

`LocalDate("first_submitted_at", "member__time_zone")` is the day the
submission fell on where the member is, computed by the database so that a
query can group and count on it: PostgreSQL converts with AT TIME ZONE;
SQLite, which has no time zone database, calls a function registered on
each new connection (`install_sqlite_functions`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db.models import DateField, Func

SQLITE_FUNCTION = "metroplan_local_date"


class LocalDate(Func):
    """The date of a datetime expression in the zone named by a second expression."""

    arity = 2
    output_field = DateField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, template="((%(expressions)s)::date)", arg_joiner=" AT TIME ZONE ",
                           **extra_context)

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, function=SQLITE_FUNCTION, **extra_context)


@lru_cache(maxsize=1024)
def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _sqlite_local_date(stored: str | None, zone_name: str | None) -> str | None:
    """SQLite keeps aware datetimes as UTC text ("2022-04-30 23:30:00[.ffffff]")."""
    if stored is None or zone_name is None:
        return None
    zone = _zone(zone_name)
    if zone is None:
        return None
    moment = datetime.fromisoformat(stored).replace(tzinfo=UTC)
    return moment.astimezone(zone).date().isoformat()


def install_sqlite_functions(sender, connection, **kwargs) -> None:
    """connection_created receiver: gives SQLite connections `metroplan_local_date`."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(SQLITE_FUNCTION, 2, _sqlite_local_date, deterministic=True)
