"""Two database helpers for pages of hundreds of rows (the API reads 500 at a
time). Both are registered in MetroplanConfig.ready().

- `field__any=[ids]`: membership in a list of integers. On PostgreSQL it sends
  the list as one array parameter (`= ANY(%s)`); Django's `__in` prepares each
  value and psycopg splits the query at each of its placeholders, which costs
  milliseconds per page. Elsewhere it is `IN (...)`.
- A faster loader for `timestamptz` columns on PostgreSQL. Django replaces
  psycopg's C loader with a subclass of the pure-Python one (Django ticket
  #36960), which parses each value with a regular expression; this one lets
  `datetime.fromisoformat` (C) read the ISO text PostgreSQL sends, and hands
  anything else to Django's loader, so the results are the same.
"""

from datetime import datetime

from django.db.models import ForeignKey, IntegerField
from django.db.models.lookups import In


class AnyOf(In):
    lookup_name = "any"

    def get_prep_lookup(self):
        # Integers only: ids of a page, read from the database a moment ago.
        return [int(value) for value in self.rhs]

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s)", (*lhs_params, list(self.rhs))


def register_lookups() -> None:
    IntegerField.register_lookup(AnyOf)  # AutoField and BigAutoField too
    ForeignKey.register_lookup(AnyOf)


def install_timestamp_loader(sender, connection, **kwargs) -> None:
    """connection_created: read timestamptz values with the ISO fast path."""
    if connection.vendor != "postgresql":
        return
    from psycopg.types.datetime import TimestamptzLoader

    class IsoTimestamptzLoader(TimestamptzLoader):
        # Django's loaders carry the connection's time zone; its cursors compare it.
        timezone = connection.timezone

        def load(self, data):
            try:
                value = datetime.fromisoformat(bytes(data).decode("ascii"))
            except ValueError:  # another DateStyle, BC dates, infinity: the full parser
                value = super().load(data)
            # As Django's loader does: the session runs in the connection's time zone.
            return value.replace(tzinfo=self.timezone)

    connection.connection.adapters.register_loader("timestamptz", IsoTimestamptzLoader)
