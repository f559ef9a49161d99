"""`AnyOf`: membership in a list of integers, sent on PostgreSQL as one array
parameter (`= ANY(%s)`); elsewhere it is `IN (...)`.

Django's `__in` prepares each value and psycopg splits the query at each of its
placeholders: for a page's 500 ids that costs ~2.5 ms per filter (measured in
bench/README.md); for a few dozen ids nothing. So it is registered on no field
by default. A query that is measured to gain uses it as an expression,
`queryset.filter(any_of("pk", ids))`; no field has it as a lookup.
"""

from django.db.models import F
from django.db.models.lookups import In


class AnyOf(In):
    lookup_name = "any"

    def get_prep_lookup(self):
        # Integers only: ids of a page, read from the database a moment ago.
        return [int(value) for value in self.rhs]

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s)", (*lhs_params, list(self.rhs))


def any_of(field: str, ids) -> AnyOf:
    """A filter: the value of `field` is one of the integers `ids`."""
    return AnyOf(F(field), list(ids))
