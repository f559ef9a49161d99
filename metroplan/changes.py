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
`record_saved(obj, changed_fields)` themselves. Bulk loaders (`load_plan`,
`seed_demo`) are not recorded: they build the initial data.

The core layer imports no app: apps register their models and their audience
rule (the model's visibility, for one row as it now stands) here.

Commit order: every Change row is numbered (its id) while holding a lock that
lasts until its transaction commits (PostgreSQL: a transaction-level advisory
lock; SQLite has one writer at a time), so the ids of committed rows only
grow and a feed read by "id > cursor" never misses a row committed late.

`modified`: Django sets it on a plain `save()`, but not on a
`save(update_fields=[...])` that leaves it out: `keep_modified` (connected for
every model in MetroplanConfig.ready) writes it then too, so that a row changed
by any path shows up in `?modified_after=`.
"""

import copy
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.db.models.signals import post_save, pre_delete, pre_save
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


_tracked: dict[type, Tracked] = {}


def track(
    model: type[models.Model], *, type: str, key: str, fields: Iterable[str],
    audience: Callable[[models.Model], Audience], state_field: str | None = None,
) -> None:
    """Record every save and delete of `model` in the change feed.

    `type` names the resource (as the API does), `key` the attribute the API
    looks it up by, `fields` what the feed shows of it ("name", or "fk.attr"
    for a related object's code, shown as "fk"), `audience(obj)` who may see
    the object as it now stands, `state_field` the workflow state whose change
    is a transition.
    """
    _tracked[model] = Tracked(type, key, tuple(fields), audience, state_field)
    uid = f"changes-{model._meta.label}"
    pre_save.connect(_remember_before, sender=model, dispatch_uid=f"{uid}-pre-save")
    post_save.connect(_record_save, sender=model, dispatch_uid=f"{uid}-save")
    pre_delete.connect(_record_delete, sender=model, dispatch_uid=f"{uid}-delete")


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


def state_of(obj) -> dict:
    """The object as the feed shows it (JSON types)."""
    spec = _tracked[type(obj)]
    state = {"key": str(_value(obj, spec.key))}
    for path in spec.fields:
        state[path.split(".")[0]] = _value(obj, path)
    return json.loads(json.dumps(state, cls=DjangoJSONEncoder))


def _stored(obj) -> dict:
    spec = _tracked[type(obj)]
    return {column: getattr(obj, column) for column in {_column(type(obj), path) for path in spec.fields}}


# --- recording --------------------------------------------------------------------


def lock_write_order() -> None:
    """Hold the feed's numbering until this transaction ends (see the module's
    docstring). Other one-row counters written by many transactions (the
    figures version) take it first too, so that every writer takes the two
    in one order and no two writers deadlock."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [FEED_LOCK_KEY])


def _write(obj, spec: Tracked, *, kind: str, audience: Audience, changed: list[str], state: dict | None,
           transition: dict | None = None):
    from metroplan.models import Change
    from metroplan.webhooks import webhooks_enqueue

    with transaction.atomic():
        lock_write_order()
        change = Change.objects.create(
            at=timezone.now(), object_type=spec.type, object_id=obj.pk, object_key=str(_value(obj, spec.key)),
            kind=kind, changed_fields=changed, transition=transition, state=state,
            public=audience.public, member_id=None if audience.public else audience.member_id,
        )
        webhooks_enqueue(change)  # pushed after commit, never lost (the outbox)
    return change


def _remember_before(sender, instance, raw=False, **kwargs) -> None:
    instance._changes_before = None
    if raw or instance._state.adding or instance.pk is None:
        return
    spec = _tracked[sender]
    columns = list(_stored(instance))
    old = sender._base_manager.filter(pk=instance.pk).values(*columns).first()
    if old is None:
        return
    before = copy.copy(instance)
    for column, value in old.items():
        if getattr(before, column) != value:
            setattr(before, column, value)
            field = next((f for f in sender._meta.concrete_fields if f.attname == column), None)
            if field is not None and field.is_relation:
                before._state.fields_cache.pop(field.name, None)
    instance._changes_before = (old, spec.audience(before))


def _record_save(sender, instance, created=False, raw=False, **kwargs) -> None:
    if raw:
        return
    before = getattr(instance, "_changes_before", None)
    instance._changes_before = None
    if created or before is None:
        record_saved(instance, created=True)
        return
    old, old_audience = before
    changed = [
        path.split(".")[0] for path in _tracked[sender].fields
        if path.split(".")[0] != SYNC_FIELD and old[_column(sender, path)] != getattr(instance, _column(sender, path))
    ]
    if changed:
        record_saved(instance, changed_fields=changed, old_state=old.get(_column(sender, _tracked[sender].state_field))
                     if _tracked[sender].state_field else None, old_audience=old_audience)


def record_saved(obj, *, created: bool = False, changed_fields: Iterable[str] = (), old_state=None,
                 old_audience: Audience | None = None) -> None:
    """Record a create or an update of `obj` (as it now stands). Signals call
    it for every save; a service that changed the row with a queryset update
    calls it with what it changed (and the workflow state it left, if any)."""
    spec = _tracked[type(obj)]
    audience = spec.audience(obj)
    changed = [name for name in dict.fromkeys(changed_fields)]
    transition = None
    if created:
        kind, changed = "created", [path.split(".")[0] for path in spec.fields]
    elif spec.state_field and spec.state_field in changed and old_state is not None:
        kind = "transition"
        transition = {"field": spec.state_field, "from": old_state, "to": getattr(obj, spec.state_field)}
    else:
        kind = "updated"
    _write(obj, spec, kind=kind, audience=audience, changed=changed, state=state_of(obj), transition=transition)
    if old_audience is not None and old_audience.public and not audience.public:
        # Those who saw it may no longer: for them it is gone.
        _write(obj, spec, kind="withdrawn", audience=EVERYONE, changed=[], state=None)


def _record_delete(sender, instance, **kwargs) -> None:
    """A tombstone: the object's type and key, for everyone who could see it."""
    spec = _tracked[sender]
    _write(instance, spec, kind="deleted", audience=spec.audience(instance), changed=[], state=None)


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
