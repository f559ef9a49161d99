"""The record of changes that integrators sync from: incremental sync's
`modified` column, and the change feed (`Change` rows, /api/v1/changes/).

Each app says which of its models are synced, in its AppConfig.ready():

    changes.track(ProgressUpdate, type="update", key="pk", state_field="state",
                  fields=("member.slug", "action.code", "state", ...),
                  audience=ProgressUpdateQuerySet.audience)

and every save and delete of those models is then recorded here, by signals,
in the transaction of the change (the lowest place that sees every write: the
services, the admin, the importers and the shell all save through the ORM).
Services that change a row with a queryset `update()` (no signal) call
`record_saved(obj, changed_fields)` themselves.

Lists (many-to-many: an action's members and SDGs, a goal's SDGs) are part of
the object's state (`lists=` in `track`): every change of one, through the
relation's manager (`add`, `remove`, `set`, `clear`, from either side) or
through its own model's rows (Participation, saved or deleted by a service, an
admin inline or a cascade), is recorded as an update of the owning object with
the list among its changed fields, the same way and in the same transaction.

One transaction's successive changes of one object, with nothing else recorded
between them, are one entry (the first, its changed fields grown, its state the
last): a service that sets an action's members and then saves the action, or
the admin saving an action and then its inline rows, leaves one update. Bulk loaders (`load_plan`,
`seed_demo`) are not recorded: they build the initial data.

The core layer imports no app: apps register their models and their audience
rule (the model's visibility, for one row as it now stands) here.

Commit order: every Change row is numbered (its id) while holding a lock that
lasts until its transaction commits (PostgreSQL: a transaction-level advisory
lock; SQLite has one writer at a time), so the ids of committed rows only
grow and a feed read by "id > cursor" never misses a row committed late.

What it costs a write (tests/api/test_change_feed_costs.py counts it): two
statements, each built once a process (a model) and run through the cursor,
not the ORM: before the save, the row as it was with each list of the object
(a subquery a list; values converted by the converters the ORM applies, so
that they compare with the instance's exactly); after it, one INSERT that also
takes the lock (once a transaction: a transaction that holds it asks no more)
and reads the webhooks to notify; then a delivery and its outbox message per
webhook that wants the change. A plain save cannot change a list: its state
shows the lists as read before it; a list's change reads them all as they now
are with the row, in one statement, and a save of the owner that follows with
nothing recorded between (a service changing an action's members, then saving
it) takes the row as it was from that read; inside `one_write()` (that
service) the entry is written once, when the block ends, instead of inserted
and then updated by each change merged into it. About 1 ms of CPU a goal saved
(docs/performance.md, "Third pass"; an action's members, "Fifth pass").

`modified`: Django sets it on a plain `save()`, but not on a
`save(update_fields=[...])` that leaves it out: `keep_modified` (connected for
every model in MetroplanConfig.ready) writes it then too, so that a row changed
by any path shows up in `?modified_after=`.
"""

import contextlib
import copy
import functools
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.utils import timezone

SYNC_FIELD = "modified"
# An arbitrary constant: the advisory lock that numbers Change rows in commit order.
FEED_LOCK_KEY = 4_815_162_342


@dataclass(frozen=True)
class Audience:
    """Who may see an object: every API reader (`public`), or staff and the
    focal points of `member_id`, or (neither) staff only."""

    public: bool = False
    member_id: int | None = None


EVERYONE = Audience(public=True)
STAFF_ONLY = Audience()


@dataclass(frozen=True)
class Tracked:
    type: str
    key: str
    fields: tuple[str, ...]
    audience: Callable[[models.Model], Audience]
    state_field: str | None
    # (state key, many-to-many field, attribute shown): ("members", "participants", "slug")
    lists: tuple[tuple[str, str, str], ...] = ()
    # each of `fields` as (path, name in the state, the column holding its stored value):
    # ("plan.code", "plan", "plan_id")
    shown: tuple[tuple[str, str, str], ...] = ()


@dataclass(frozen=True)
class _ListLink:
    """How a list's rows (the relation's `through` model) name their owner."""

    owner: type
    key: str
    owner_fk: str  # the through model's foreign key to the owner ("action")
    item_fk: str  # ... and to the listed object ("member")


_tracked: dict[type, Tracked] = {}
_list_links: dict[type, list[_ListLink]] = {}


def track(
    model: type[models.Model], *, type: str, key: str, fields: Iterable[str],
    audience: Callable[[models.Model], Audience], state_field: str | None = None,
    lists: dict[str, str] | None = None,
) -> None:
    """Record every save and delete of `model` in the change feed.

    `type` names the resource (as the API does), `key` the attribute the API
    looks it up by, `fields` what the feed shows of it ("name", or "fk.attr"
    for a related object's code, shown as "fk"), `audience(obj)` who may see
    the object as it now stands, `state_field` the workflow state whose change
    is a transition, `lists` the many-to-many relations shown as lists
    ({"members": "participants.slug"}: the key as the API names it, the field,
    the attribute of each listed object, sorted by it).
    """
    parsed = tuple((name, *path.split(".", 1)) for name, path in (lists or {}).items())
    fields = tuple(fields)
    shown = tuple((path, path.split(".")[0], _column(model, path)) for path in fields)
    _tracked[model] = Tracked(type, key, fields, audience, state_field, parsed, shown)
    uid = f"changes-{model._meta.label}"
    pre_save.connect(_remember_before, sender=model, dispatch_uid=f"{uid}-pre-save")
    post_save.connect(_record_save, sender=model, dispatch_uid=f"{uid}-save")
    pre_delete.connect(_record_delete, sender=model, dispatch_uid=f"{uid}-delete")
    for name, field_name, _attr in parsed:
        field = model._meta.get_field(field_name)
        through = field.remote_field.through
        link = _ListLink(model, name, field.m2m_field_name(), field.m2m_reverse_field_name())
        _list_links.setdefault(through, []).append(link)
        through_uid = f"{uid}-list-{field_name}"
        # add/remove/set/clear on either side of the relation
        m2m_changed.connect(_record_list_m2m, sender=through, dispatch_uid=through_uid)
        if not through._meta.auto_created:
            # rows of an explicit through model (Participation) saved or deleted one by one
            pre_save.connect(_remember_list_row, sender=through, dispatch_uid=f"{through_uid}-pre-save")
            post_save.connect(_record_list_row_saved, sender=through, dispatch_uid=f"{through_uid}-save")
            post_delete.connect(_record_list_row_deleted, sender=through, dispatch_uid=f"{through_uid}-delete")


def tracked_types() -> list[str]:
    return sorted(spec.type for spec in _tracked.values())


# --- the object's state -----------------------------------------------------------


def _column(model, name: str) -> str:
    """The attribute holding a field's stored value (member → member_id)."""
    return model._meta.get_field(name.split(".")[0]).attname


def _value(obj, path: str):
    value = obj
    for part in path.split("."):
        value = getattr(value, part, None) if value is not None else None
    return value


def state_of(obj, lists: dict | None = None) -> dict:
    """The object as the feed shows it (JSON types). Its lists are read as
    they now are, unless given (`lists`: read with the row as it was, by a
    plain save, which cannot change them)."""
    spec = _tracked[type(obj)]
    state = {"key": str(_value(obj, spec.key))}
    for path, name, _column_name in spec.shown:
        state[name] = _json(_value(obj, path))
    if spec.lists:
        for name, items in (lists if lists is not None else _lists_now(obj)).items():
            state[name] = _json(items)
    return state


_JSON_SCALARS = frozenset({str, int, float, bool, type(None)})


def _json(value):
    """`value` as JSON gives it back: itself when it is a JSON type already,
    else through DjangoJSONEncoder (dates, decimals, choices, JSON fields)."""
    kind = type(value)
    if kind in _JSON_SCALARS:
        return value
    if kind is list and all(type(item) in _JSON_SCALARS for item in value):
        return list(value)
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


# --- reading the object: statements built once a model --------------------------------
#
# What the ORM would read (`.values(*columns)`, each list's
# `.order_by(attr).values_list(attr)`), read by a raw statement built once a
# process and converted by the same converters the ORM applies (the backend's
# and the field's: booleans, dates and decimals on SQLite, JSON), so that the
# values compare with the instance's attributes exactly as the ORM's would.


@dataclass(frozen=True)
class _Read:
    sql: str
    names: tuple[str, ...]  # a name per value read: the columns', then the lists'
    converters: tuple  # per value: (expression, [converter, ...], is a list)
    columns: int  # how many of the values are columns (the rest are lists)


def _converters(field, alias: str) -> tuple:
    expression = field.get_col(alias)
    return expression, [*connection.ops.get_db_converters(expression), *expression.get_db_converters(connection)]


def _list_sql(model, field_name: str, attr: str, owner: str) -> tuple[str, object]:
    """A list of `model` (many-to-many `field_name`, the listed objects'
    `attr`, sorted by it) as one value, for the owner whose key is the SQL
    `owner`: an array on PostgreSQL, a JSON array's text on SQLite. Returns
    it and the listed attribute's field."""
    quote = connection.ops.quote_name
    field = model._meta.get_field(field_name)
    through, target = field.remote_field.through, field.related_model
    shown = target._meta.get_field(attr)
    target_key = target._meta.get_field(field.m2m_reverse_target_field_name())
    item = f"t.{quote(shown.column)}"
    rows = (f"SELECT {item} AS v FROM {quote(through._meta.db_table)} l JOIN {quote(target._meta.db_table)} t "
            f"ON t.{quote(target_key.column)} = l.{quote(field.m2m_reverse_name())} "
            f"WHERE l.{quote(field.m2m_column_name())} = {owner} ORDER BY {item}")
    if connection.vendor == "postgresql":
        return f"ARRAY({rows})", shown
    return f"(SELECT json_group_array(v) FROM ({rows}))", shown


def _owner_key(model):
    """The owner's field that its lists' rows point to (its primary key, as a rule)."""
    return {model._meta.get_field(field_name).m2m_target_field_name()
            for _name, field_name, _attr in _tracked[model].lists} or {model._meta.pk.name}


@functools.cache
def _before_read(model, vendor: str, alias: str) -> _Read:
    """The row as it was: the columns the feed shows, and each list (read
    together, for the audience and the changed fields before a save and for
    the lists after it)."""
    spec = _tracked[model]
    quote = connection.ops.quote_name
    columns = list(dict.fromkeys(column for _path, _name, column in spec.shown))
    fields = {field.attname: field for field in model._meta.concrete_fields}
    (owner_key,) = _owner_key(model)
    owner = f"o.{quote(model._meta.get_field(owner_key).column)}"
    selected = [f"o.{quote(fields[column].column)}" for column in columns]
    converters = [(*_converters(fields[column], "o"), False) for column in columns]
    for _name, field_name, attr in spec.lists:
        sql, shown = _list_sql(model, field_name, attr, owner)
        selected.append(sql)
        converters.append((*_converters(shown, "t"), True))
    sql = (f"SELECT {', '.join(selected)} FROM {quote(model._meta.db_table)} o "
           f"WHERE o.{quote(model._meta.pk.column)} = %s")
    return _Read(sql, (*columns, *(name for name, _f, _a in spec.lists)), tuple(converters), len(columns))


@functools.cache
def _lists_read(model, vendor: str, alias: str) -> _Read:
    """Each list of the object as it now is, in one statement."""
    spec = _tracked[model]
    selected, converters = [], []
    for _name, field_name, attr in spec.lists:
        sql, shown = _list_sql(model, field_name, attr, "%s")
        selected.append(sql)
        converters.append((*_converters(shown, "t"), True))
    return _Read(f"SELECT {', '.join(selected)}", tuple(name for name, _f, _a in spec.lists), tuple(converters), 0)


def _converted(read: _Read, row) -> list:
    values = []
    for value, (expression, converters, is_list) in zip(row, read.converters, strict=True):
        if is_list:
            value = json.loads(value) if isinstance(value, str | bytes) else list(value or ())
            if converters:
                value = [_convert(item, expression, converters) for item in value]
        elif converters:
            value = _convert(value, expression, converters)
        values.append(value)
    return values


def _convert(value, expression, converters):
    for converter in converters:
        value = converter(value, expression, connection)
    return value


def _read_before(model, pk) -> tuple[dict, dict] | None:
    """The row of `model` with this key as it stands in the database (the
    columns the feed shows) and its lists; None if there is none."""
    read = _before_read(model, connection.vendor, connection.alias)
    with connection.cursor() as cursor:
        cursor.execute(read.sql, [model._meta.pk.get_db_prep_value(pk, connection)])
        row = cursor.fetchone()
    if row is None:
        return None
    values = _converted(read, row)
    return dict(zip(read.names[:read.columns], values[:read.columns], strict=True)), \
        dict(zip(read.names[read.columns:], values[read.columns:], strict=True))


def _lists_now(obj) -> dict:
    """Each list of `obj` as it now is (empty for an object not saved yet)."""
    model = type(obj)
    spec = _tracked[model]
    (owner_key,) = _owner_key(model)
    key_field = model._meta.get_field(owner_key)
    owner = getattr(obj, key_field.attname)
    if obj.pk is None or owner is None:
        return {name: [] for name, _f, _a in spec.lists}
    read = _lists_read(model, connection.vendor, connection.alias)
    with connection.cursor() as cursor:
        cursor.execute(read.sql, [key_field.get_db_prep_value(owner, connection)] * len(spec.lists))
        row = cursor.fetchone()
    return dict(zip(read.names, _converted(read, row), strict=True))


# --- recording --------------------------------------------------------------------


def lock_write_order() -> None:
    """Hold the feed's numbering until this transaction ends (see the module's
    docstring). Other one-row counters written by many transactions (the
    figures version) take it first too, so that every writer takes the two
    in one order and no two writers deadlock. Taken once a transaction: a
    transaction that holds it (and did not roll back the savepoint that took
    it) asks no more."""
    if connection.vendor != "postgresql" or _feed_locked():
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [FEED_LOCK_KEY])
    _note_feed_locked()


def _feed_locked() -> bool:
    return _still_pending(getattr(connection, "_changes_lock", None))


def _note_feed_locked() -> None:
    if connection.in_atomic_block:
        connection._changes_lock = _pending_marker()


def _write(obj, spec: Tracked, *, kind: str, audience: Audience, changed: list[str], state: dict | None,
           transition: dict | None = None):
    from metroplan.models import Change

    # No savepoint of its own: a change that cannot be recorded fails the
    # write it records (and two round trips fewer inside a transaction).
    connection._changes_writes = getattr(connection, "_changes_writes", 0) + 1
    with transaction.atomic(savepoint=False):
        public, member_id = audience.public, None if audience.public else audience.member_id
        last = _last_in_transaction()
        if (kind == Change.Kind.UPDATED and last is not None and last.kind in (Change.Kind.CREATED, Change.Kind.UPDATED)
                and (last.object_type, last.object_id, last.public, last.member_id)
                == (spec.type, obj.pk, public, member_id)):
            # The same object again, nothing recorded between (so the feed's
            # lock is held): one entry (its webhook deliveries read it when
            # they are sent, after commit).
            last.changed_fields = list(dict.fromkeys([*last.changed_fields, *changed]))
            last.state = state
            if last is not getattr(connection, "_changes_held", None):
                _update(last, ("changed_fields", "state"))
            return last
        _write_held()
        change = Change(
            at=timezone.now(), object_type=spec.type, object_id=obj.pk, object_key=str(_value(obj, spec.key)),
            kind=kind, changed_fields=changed, transition=transition, state=state,
            public=public, member_id=member_id,
        )
        if getattr(connection, "_changes_holding", 0) and connection.in_atomic_block:
            connection._changes_held = change  # written when the block ends or another entry is
        else:
            _insert_enqueue(change)
        _remember_in_transaction(change)
    return change


def _insert_enqueue(change) -> None:
    from metroplan.webhooks import webhooks_enqueue

    webhooks = _insert(change)
    webhooks_enqueue(change, webhooks=webhooks)  # pushed after commit, never lost (the outbox)


@contextlib.contextmanager
def one_write():
    """Inside a transaction: an entry recorded in the block is written only
    when the block ends or another entry is recorded, so that the changes
    merged into it (the same object again, nothing recorded between) cost no
    UPDATE: a service that changes an action's members and then saves it
    writes its one entry with one INSERT. The entries are the same, numbered
    in the same order. Use it inside the atomic block whose rollback undoes
    the block's writes: an exception leaves the held entry unwritten."""
    connection._changes_holding = getattr(connection, "_changes_holding", 0) + 1
    try:
        yield
    except BaseException:
        connection._changes_holding -= 1
        if not connection._changes_holding:
            connection._changes_held = None
        raise
    connection._changes_holding -= 1
    if not connection._changes_holding:
        _write_held()


def _write_held() -> None:
    """Write the entry held back (one_write), unless the savepoint that
    recorded it rolled back."""
    held = getattr(connection, "_changes_held", None)
    if held is None:
        return
    connection._changes_held = None
    remembered = getattr(connection, "_changes_last", None)
    if remembered is not None and remembered[2] is held and _still_pending(remembered[1]):
        _insert_enqueue(held)


@functools.cache
def _insert_sql(model, vendor: str, alias: str, locked: bool) -> tuple[str, list, list]:
    """_insert's statement (the same for every change: built once a process)."""
    from metroplan.webhooks import listening_webhooks

    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    hooks = listening_webhooks().values_list("id", "event_types", "include_private")
    hooks_sql, hooks_params = hooks.query.sql_with_params()
    table = quote(model._meta.db_table)
    if vendor == "postgresql":
        hooks = (f"(SELECT coalesce(json_agg(json_build_array(w.id, w.event_types, w.include_private)), '[]') "
                 f"FROM ({hooks_sql}) w)")
        # typed (a NULL or a literal selected into the row has none), but not
        # narrowed: an over-long text fails as in any INSERT, never truncated
        values = ", ".join("%s" if field.get_internal_type() in ("CharField", "TextField")
                           else f"CAST(%s AS {field.db_type(connection)})" for field in fields)
        if locked:
            sql = f"INSERT INTO {table} ({columns}) VALUES ({values}) RETURNING id, {hooks}"
        else:
            # The lock is a materialized CTE the row is selected from: taken
            # before the row's id is drawn.
            sql = (f"WITH feed_lock AS MATERIALIZED (SELECT pg_advisory_xact_lock(%s)) "
                   f"INSERT INTO {table} ({columns}) SELECT {values} FROM feed_lock RETURNING id, {hooks}")
    else:  # SQLite: one writer at a time
        hooks = (f"(SELECT json_group_array(json_array(w.id, json(w.event_types), w.include_private)) "
                 f"FROM ({hooks_sql}) w)")
        values = ", ".join(["%s"] * len(fields))
        sql = f"INSERT INTO {table} ({columns}) VALUES ({values}) RETURNING id, {hooks}"
    return sql, fields, list(hooks_params)


def _insert(change) -> list[dict]:
    """INSERT the change, numbered under the feed's lock, in one statement
    that also takes the lock (unless this transaction holds it) and reads the
    webhooks listening (metroplan.webhooks.listening_webhooks()): one round
    trip where the ORM made three. Returns those webhooks ({"id",
    "event_types", "include_private"}); sets change.pk."""
    locked = connection.vendor != "postgresql" or _feed_locked()
    sql, fields, hooks_params = _insert_sql(type(change), connection.vendor, connection.alias, locked)
    params = [field.get_db_prep_save(getattr(change, field.attname), connection) for field in fields]
    lock_params = [] if locked else [FEED_LOCK_KEY]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*lock_params, *params, *hooks_params])
        change.pk, hooks_found = cursor.fetchone()
    _note_feed_locked()
    change._state.adding = False
    change._state.db = connection.alias
    if isinstance(hooks_found, str | bytes):
        hooks_found = json.loads(hooks_found)
    return [{"id": pk, "event_types": json.loads(types) if isinstance(types, str) else types,
             "include_private": bool(private)} for pk, types, private in hooks_found or []]


@functools.cache
def _update_sql(model, vendor: str, alias: str, names: tuple[str, ...]) -> tuple[str, list]:
    """_update's statement (built once a process)."""
    quote = connection.ops.quote_name
    fields = [model._meta.get_field(name) for name in names]
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    return f"UPDATE {quote(model._meta.db_table)} SET {assignments} WHERE {quote(model._meta.pk.column)} = %s", fields


def _update(change, names: tuple[str, ...]) -> None:
    """UPDATE these fields of a recorded change to its attributes' values."""
    sql, fields = _update_sql(type(change), connection.vendor, connection.alias, names)
    params = [field.get_db_prep_save(getattr(change, field.attname), connection) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, change.pk])


# --- the transaction's last entry ----------------------------------------------------
#
# "This transaction" is the outermost atomic block that is not a test case's
# own (a test wraps each test in one; a request or a service call inside it is
# a transaction of its own in production), named by its savepoint; and it is
# still open, with its entry, while a marker registered with on_commit in it
# is pending (commit runs it, a rollback - of the savepoint that wrote the
# entry too - drops it).


class _Marker:
    def __call__(self) -> None:
        pass


def queued_work(callbacks: list) -> list:
    """The on-commit callbacks that do work (e-mails, builds, deliveries),
    without this module's markers, which only tell that a transaction is open."""
    return [callback for callback in callbacks if not isinstance(callback, _Marker)]


def _pending_marker() -> tuple:
    """A marker registered with on_commit now, and where it stands in the
    list: it stays there until the transaction ends or the savepoint that
    registered it rolls back."""
    marker = _Marker()
    transaction.on_commit(marker)
    return marker, len(connection.run_on_commit) - 1


def _still_pending(remembered) -> bool:
    if remembered is None:
        return False
    marker, index = remembered
    pending = connection.run_on_commit
    if index < len(pending) and pending[index][1] is marker:
        return True
    # earlier, after a rollback of a later savepoint dropped callbacks
    return any(entry[1] is marker for entry in pending[:index])


def _transaction_name():
    """The block and its savepoint: a block used as a decorator is one object
    for every call, and a block without a savepoint has none."""
    blocks = connection.atomic_blocks
    for index, block in enumerate(blocks):
        if not getattr(block, "_from_testcase", False):
            return block, connection.savepoint_ids[index - 1] if index else None
    return None


def _remember_in_transaction(change) -> None:
    connection._changes_last = (_transaction_name(), _pending_marker(), change)


def _last_in_transaction():
    remembered = getattr(connection, "_changes_last", None)
    if remembered is None:
        return None
    name, marker, change = remembered
    current = _transaction_name()
    if name is None or current is None or name[0] is not current[0] or name[1] != current[1]:
        return None
    if _still_pending(marker):
        return change
    connection._changes_last = None
    return None


def _remember_before(sender, instance, raw=False, **kwargs) -> None:
    instance._changes_before = None
    if raw:
        return
    if instance._state.adding or instance.pk is None:
        if instance.pk is None:
            instance._changes_before = _NEW  # its key is drawn by the insert: no list holds it yet
        return
    read = _stored(instance) or _read_before(sender, instance.pk)
    if read is None:
        return
    old, lists = read
    relations = _relations(sender)
    differ = [column for column, value in old.items() if getattr(instance, column) != value]
    if not differ:
        instance._changes_before = (old, _tracked[sender].audience(instance), lists)
        return
    before = copy.copy(instance)
    for column in differ:
        setattr(before, column, old[column])
        if column in relations:
            before._state.fields_cache.pop(relations[column], None)
    audience = _tracked[sender].audience(before)
    # what the audience loaded through a relation whose key the save keeps
    # (the goal's plan) is the instance's too: not loaded again after the save
    cache = instance._state.fields_cache
    for column, name in relations.items():
        if column not in differ and name not in cache and name in before._state.fields_cache:
            cache[name] = before._state.fields_cache[name]
    instance._changes_before = (old, audience, lists)


_NEW = object()


@functools.cache
def _relations(model) -> dict[str, str]:
    """The columns of `model` that hold a related object's key, and the
    relation's name ({"plan_id": "plan"})."""
    return {field.attname: field.name for field in model._meta.concrete_fields if field.is_relation}


def _record_save(sender, instance, created=False, raw=False, **kwargs) -> None:
    if raw:
        return
    before = getattr(instance, "_changes_before", None)
    instance._changes_before = None
    if created or before is None or before is _NEW:
        record_saved(instance, created=True, lists=_no_lists(sender) if created and before is _NEW else None)
        return
    old, old_audience, lists = before
    spec = _tracked[sender]
    changed = [name for _path, name, column in spec.shown
               if name != SYNC_FIELD and old[column] != getattr(instance, column)]
    if changed:
        old_state = old.get(_column(sender, spec.state_field)) if spec.state_field else None
        # a plain save changes no list: they are as read before it
        record_saved(instance, changed_fields=changed, old_state=old_state, old_audience=old_audience, lists=lists)


def _no_lists(model) -> dict:
    return {name: [] for name, _f, _a in _tracked[model].lists}


def record_saved(obj, *, created: bool = False, changed_fields: Iterable[str] = (), old_state=None,
                 old_audience: Audience | None = None, lists: dict | None = None) -> None:
    """Record a create or an update of `obj` (as it now stands). Signals call
    it for every save; a service that changed the row with a queryset update
    calls it with what it changed (and the workflow state it left, if any).
    Its lists are read as they now are, unless given (`lists`)."""
    spec = _tracked[type(obj)]
    audience = spec.audience(obj)
    changed = [name for name in dict.fromkeys(changed_fields)]
    transition = None
    if created:
        kind, changed = "created", [name for _path, name, _column_name in spec.shown]
    elif spec.state_field and spec.state_field in changed and old_state is not None:
        kind = "transition"
        transition = {"field": spec.state_field, "from": old_state, "to": getattr(obj, spec.state_field)}
    else:
        kind = "updated"
    _write(obj, spec, kind=kind, audience=audience, changed=changed, state=state_of(obj, lists),
           transition=transition)
    if old_audience is not None and old_audience.public and not audience.public:
        # Those who saw it may no longer: for them it is gone.
        _write(obj, spec, kind="withdrawn", audience=EVERYONE, changed=[], state=None)


def _record_delete(sender, instance, **kwargs) -> None:
    """A tombstone: the object's type and key, for everyone who could see it."""
    spec = _tracked[sender]
    _write(instance, spec, kind="deleted", audience=spec.audience(instance), changed=[], state=None)


# --- lists (many-to-many) ------------------------------------------------------------


def record_list_changed(owner, name: str) -> None:
    """The list `name` of `owner` changed: an update of the owner.

    Its lists as they now are are read with its row (one statement), which
    the owner keeps: a save of it that follows in this transaction, with
    nothing recorded between (a service that changes an action's members and
    then saves it), takes the row as it was from there instead of reading it
    again (the rule of the module: every write of a tracked row or list is
    recorded, so nothing recorded between means nothing changed)."""
    read = _read_before(type(owner), owner.pk) if owner.pk is not None else None
    if read is None:
        record_saved(owner, changed_fields=[name])
        return
    old, lists = read
    record_saved(owner, changed_fields=[name], lists=lists)
    owner._changes_stored = (connection._changes_last, connection._changes_writes, old, lists)


def _stored(instance) -> tuple[dict, dict] | None:
    """The row as it stands and its lists, when the recorder read them in
    this transaction and has recorded nothing since (record_list_changed)."""
    stored = getattr(instance, "_changes_stored", None)
    if stored is None:
        return None
    instance._changes_stored = None
    last, writes, old, lists = stored
    if (last is not getattr(connection, "_changes_last", None) or writes != connection._changes_writes
            or _last_in_transaction() is None):
        return None
    return old, lists


def _owners(link: _ListLink, ids, row=None):
    """The owners with these ids; a row's own (cached) owner is taken as it is."""
    ids = {pk for pk in ids if pk is not None}
    cached = row._state.fields_cache.get(link.owner_fk) if row is not None else None
    known = [cached] if cached is not None and cached.pk in ids else []
    rest = ids - {owner.pk for owner in known}
    fetched = list(link.owner._base_manager.filter(pk__in=rest).order_by("pk")) if rest else []
    return sorted([*known, *fetched], key=lambda owner: owner.pk)


def _record_list_m2m(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    if not sender._meta.auto_created and action != "post_add":
        return  # rows of an explicit through model leave one by one: their own signals record them
    for link in _list_links.get(sender, ()):
        if action == "pre_clear":
            # who loses rows, remembered before they go
            if reverse:
                filters = {f"{link.item_fk}_id": instance.pk}
                instance._changes_clearing = set(
                    sender._base_manager.filter(**filters).values_list(f"{link.owner_fk}_id", flat=True)
                )
            else:
                filters = {f"{link.owner_fk}_id": instance.pk}
                instance._changes_clearing = {instance.pk} if sender._base_manager.filter(**filters).exists() else set()
            continue
        if action not in ("post_add", "post_remove", "post_clear"):
            continue
        if action == "post_clear":
            ids = getattr(instance, "_changes_clearing", set())
            instance._changes_clearing = set()
        elif not pk_set:
            continue
        else:
            ids = set(pk_set) if reverse else {instance.pk}
        owners = _owners(link, ids) if reverse else ([instance] if ids else [])
        for owner in owners:
            record_list_changed(owner, link.key)


def _row_ends(link: _ListLink, row) -> tuple:
    return getattr(row, f"{link.owner_fk}_id"), getattr(row, f"{link.item_fk}_id")


def _remember_list_row(sender, instance, raw=False, **kwargs) -> None:
    instance._changes_list_before = None
    if raw or instance._state.adding or instance.pk is None:
        return
    links = _list_links[sender]
    columns = sorted({f"{name}_id" for link in links for name in (link.owner_fk, link.item_fk)})
    instance._changes_list_before = sender._base_manager.filter(pk=instance.pk).values(*columns).first()


def _record_list_row_saved(sender, instance, created=False, raw=False, **kwargs) -> None:
    if raw:
        return
    before = getattr(instance, "_changes_list_before", None)
    instance._changes_list_before = None
    for link in _list_links[sender]:
        owner_id, item_id = _row_ends(link, instance)
        if created or before is None:
            touched = {owner_id}
        else:
            old_owner, old_item = before[f"{link.owner_fk}_id"], before[f"{link.item_fk}_id"]
            if (old_owner, old_item) == (owner_id, item_id):
                continue  # another column of the row (is_demo): the list is the same
            touched = {old_owner, owner_id}
        for owner in _owners(link, touched, instance):
            record_list_changed(owner, link.key)


def _record_list_row_deleted(sender, instance, origin=None, **kwargs) -> None:
    for link in _list_links[sender]:
        owner_id, _item_id = _row_ends(link, instance)
        if _owner_is_going(link, owner_id, origin):
            continue  # the owner's own delete leaves its tombstone
        for owner in _owners(link, {owner_id}, instance):
            record_list_changed(owner, link.key)


def _owner_is_going(link: _ListLink, owner_id, origin) -> bool:
    if isinstance(origin, link.owner):
        return origin.pk == owner_id
    if isinstance(origin, models.QuerySet) and issubclass(origin.model, link.owner):
        return origin.filter(pk=owner_id).exists()
    return False


# --- modified ---------------------------------------------------------------------


def _has_sync_field(model) -> bool:
    try:
        field = model._meta.get_field(SYNC_FIELD)
    except Exception:  # noqa: BLE001 - FieldDoesNotExist
        return False
    return getattr(field, "auto_now", False)


def keep_modified(sender, instance, created=False, update_fields=None, raw=False, **kwargs) -> None:
    """post_save: a save that named its fields without `modified` still moves it."""
    if raw or created or update_fields is None or SYNC_FIELD in update_fields or not _has_sync_field(sender):
        return
    instance.modified = timezone.now()
    sender._base_manager.filter(pk=instance.pk).update(modified=instance.modified)
