"""What the ORM gives, made cheaper where a big list pays for it.

- `AnyOf`: membership in a list of integers, sent on PostgreSQL as one array
  parameter (`= ANY(%s)`); elsewhere it is `IN (...)`.
- `install_timestamp_loader`: PostgreSQL timestamps read by psycopg's C loader.
- `batches`: a queryset's rows, streamed a batch at a time, as model
  instances built without `Model.__init__` where it can (the rows of big lists).

`AnyOf`:

Django's `__in` prepares each value and psycopg splits the query at each of its
placeholders: for a page's 500 ids that costs ~2.5 ms per filter (measured in
bench/README.md); for a few dozen ids nothing. So it is registered on no field
by default. A query that is measured to gain uses it as an expression,
`queryset.filter(any_of("pk", ids))`; no field has it as a lookup.
"""

import itertools

from django.db.models import F, Prefetch
from django.db.models.base import ModelState
from django.db.models.lookups import In
from django.db.models.signals import post_init


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


# --- timestamps --------------------------------------------------------------------


def install_timestamp_loader(sender, connection, **kwargs) -> None:
    """connection_created: Django's timestamptz loader, with the C loader's speed.

    Django (5.2) reads every `timestamptz` through a subclass of psycopg's
    pure-Python loader that puts the connection's zone (UTC) on the value:
    ~7 µs a value, 1.1 s of the 1.6 s spent reading the 157,000 timestamps of
    the open-data package's updates at 1x. This one asks psycopg's C loader
    (where psycopg runs its C implementation) and puts the same zone on the
    result: the same datetimes, ~1 µs. `timezone` is what Django's
    `create_cursor` compares with the connection's zone: equal, it keeps this
    loader."""
    if connection.vendor != "postgresql":
        return
    import psycopg
    from psycopg.adapt import Loader
    from psycopg.pq import Format

    if psycopg.pq.__impl__ == "python":
        return
    adapters = connection.connection.adapters
    oid = psycopg.postgres.types["timestamptz"].oid
    fast = psycopg.postgres.adapters.get_loader(oid, Format.TEXT)  # psycopg's own: C
    zone = connection.timezone

    class TimestampLoader(Loader):
        timezone = zone

        def __init__(self, oid, context=None):
            super().__init__(oid, context)
            self._load = fast(oid, context).load

        def load(self, data):
            return self._load(data).replace(tzinfo=zone)

    adapters.register_loader("timestamptz", TimestampLoader)


# --- light instances ----------------------------------------------------------------


def _instances(model, names: list[str], rows, alias: str) -> list:
    """Model instances of `rows` (tuples of the values of `names`: attnames and
    annotations), as `Model.from_db` makes them, without running `__init__`'s
    per-field walk: each row's values are its attributes (as Django's own
    `__init__` leaves them), `_state` says it comes from `alias`. No post_init
    signal is sent (`batches` builds no model that has a listener this way)."""
    new = model.__new__
    made = []
    for row in rows:
        obj = new(model)
        state = ModelState()
        state.adding, state.db = False, alias
        obj.__dict__.update(zip(names, row, strict=True))
        obj._state = state
        made.append(obj)
    return made


def _loaded_names(queryset) -> list[str]:
    """The attributes the ORM would load for this queryset: its concrete
    columns but the deferred (`only`/`defer`), and its annotations."""
    meta = queryset.model._meta
    names, defer = queryset.query.deferred_loading
    fields = [field for field in meta.concrete_fields
              if ((field.name in names or field.attname in names) != defer or field.primary_key)]
    return [*(field.attname for field in fields), *queryset.query.annotation_select]


def _reverse_list(model, lookup):
    """The foreign key of a Prefetch("<reverse fk>", queryset=..., to_attr=...)
    that `batches` can read itself, or None."""
    if not isinstance(lookup, Prefetch) or not lookup.to_attr or "__" in lookup.prefetch_through:
        return None
    try:
        related = model._meta.get_field(lookup.prefetch_through)
    except Exception:  # noqa: BLE001 - a name Django resolves otherwise (a GenericRelation, a property)
        return None
    if not (related.one_to_many and related.auto_created and not related.concrete):
        return None
    return related.field


def batches(queryset, size: int):
    """The rows of `queryset`, in its order, `size` at a time, as the ORM gives
    them (model instances with its annotations and prefetched lists), read by
    one query streamed as it goes (a server-side cursor on PostgreSQL): the
    rows of a list too long to hold (a CSV of every update), in constant memory.

    Where it can, the rows are built without `Model.__init__` and Django's
    prefetch walk (`_instances`): its columns, annotations and
    `Prefetch(..., to_attr=...)` lists of reverse foreign keys (one query a
    batch, by the batch's ids), about half the CPU of the ORM's instances for
    the CSV of every update. A queryset that asks for more (select_related,
    other prefetches, a model with a post_init listener) is read by the ORM's
    own `iterator`."""
    model = queryset.model
    lookups = list(queryset._prefetch_related_lookups)
    lists = [(lookup, _reverse_list(model, lookup)) for lookup in lookups]
    if queryset.query.select_related or post_init.has_listeners(model) or any(fk is None for _l, fk in lists):
        rows = queryset.iterator(chunk_size=size)
        while batch := list(itertools.islice(rows, size)):
            yield batch
        return
    alias = queryset.db
    names = _loaded_names(queryset)
    rows = queryset.prefetch_related(None).values_list(*names).iterator(chunk_size=size)
    while batch := _instances(model, names, itertools.islice(rows, size), alias):
        found = {obj.pk: obj for obj in batch}
        for lookup, fk in lists:
            for obj in batch:
                setattr(obj, lookup.to_attr, [])
            children = lookup.queryset if lookup.queryset is not None else fk.model._base_manager.all()
            columns = list(dict.fromkeys([*_loaded_names(children), fk.attname]))
            rows_of = children.filter(any_of(fk.attname, list(found))).values_list(*columns)
            for child in _instances(fk.model, columns, rows_of, alias):
                getattr(found[getattr(child, fk.attname)], lookup.to_attr).append(child)
        yield batch
