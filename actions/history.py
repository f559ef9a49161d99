"""An action's change history and "what changed since version N", read from
django-simple-history's records: which fields, old → new, who and when, with
participants' own history merged in. The history page, restore and the
conflict messages of the plan forms read it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from actions.models import Action, Goal, Participation

# Fields never shown in a diff: keys, bookkeeping, and modeltranslation's
# untranslated mirrors of title/description/name (the _en column holds the same).
HIDDEN_FIELDS = {"id", "version", "title", "description", "name", "plan", "action", "carried_from"}


# Participation changes made by the same user this close before an action's
# history record were made by the same save.
SAME_SAVE = timedelta(seconds=5)


# The reverse accessor from a historical action to its SDG snapshot rows
# (prefetchable, unlike simple-history's `record.sdgs` helper).
SDG_ROWS = "historicalaction_sdgs_set"


@dataclass
class FieldChange:
    field: str
    label: str
    old: str
    new: str


@dataclass
class HistoryRow:
    """One change of an action: who, when, which fields, old → new."""

    when: datetime
    who: object
    kind: str  # "created", "changed", "participants"
    history_id: int | None = None
    version: int | None = None
    changes: list[FieldChange] = field(default_factory=list)

    @property
    def restorable(self) -> bool:
        return self.history_id is not None


def _display(model, name: str, value, lookups: dict) -> str:
    if value is None or value == "":
        return "—"
    model_field = model._meta.get_field(name)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if name in lookups:
        return str(lookups[name].get(value, f"#{value}"))
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(value)


def _tracked_fields(model) -> list[str]:
    names = []
    for model_field in model._meta.concrete_fields:
        if model_field.name in HIDDEN_FIELDS or not model_field.editable:
            continue
        names.append(model_field.attname if model_field.is_relation else model_field.name)
    return names


def _lookups(model, records) -> dict:
    """Names for the foreign keys that appear in `records` (lead, goal), one query each."""
    lookups: dict[str, dict] = {}
    if model is Action:
        lead_ids = {r.lead_id for r in records if r.lead_id}
        goal_ids = {r.goal_id for r in records if r.goal_id}
        lookups["lead"] = {u.pk: u.get_username() for u in get_user_model().objects.filter(pk__in=lead_ids)}
        lookups["goal"] = {g.pk: g.code for g in Goal.objects.filter(pk__in=goal_ids)}
    return lookups


def _field_changes(model, old, new, lookups) -> list[FieldChange]:
    changes = []
    for attname in _tracked_fields(model):
        name = attname[:-3] if attname.endswith("_id") else attname
        before, after = getattr(old, attname, None), getattr(new, attname, None)
        if (None if before == "" else before) != (None if after == "" else after):
            changes.append(
                FieldChange(
                    name,
                    str(model._meta.get_field(name).verbose_name),
                    _display(model, name, before, lookups),
                    _display(model, name, after, lookups),
                )
            )
    return changes


def _sdg_numbers(record) -> list[int]:
    return sorted(row.sustainabledevelopmentgoal_id for row in getattr(record, SDG_ROWS).all())


def _sdg_change(old, new) -> list[FieldChange]:
    before, after = _sdg_numbers(old) if old else [], _sdg_numbers(new)
    if before == after:
        return []
    return [
        FieldChange(
            "sdgs", str(Action._meta.get_field("sdgs").verbose_name),
            ", ".join(map(str, before)) or "—", ", ".join(map(str, after)) or "—",
        )
    ]


def _participation_change(rows) -> FieldChange:
    added = sorted(r.member.name for r in rows if r.history_type == "+")
    removed = sorted(r.member.name for r in rows if r.history_type == "-")
    return FieldChange(
        "participants", str(_("participating members")),
        ", ".join(removed) or "—", ", ".join(added) or "—",
    )


def _participation_row(p) -> HistoryRow:
    return HistoryRow(p.history_date, p.history_user, "participants", changes=[_participation_change([p])])


def action_history(action: Action) -> list[HistoryRow]:
    """Every change of `action`, newest first: its fields and SDG tags (from its
    history records, each diffed with the one before) and its participants (from
    participation history, attached to the save they were part of)."""
    records = list(
        action.history.select_related("history_user").prefetch_related(SDG_ROWS).order_by("history_date", "history_id")
    )
    lookups = _lookups(Action, records)
    HistoricalParticipation = Participation.history.model
    participations = list(
        HistoricalParticipation.objects.filter(action_id=action.pk)
        .select_related("member", "history_user")
        .order_by("history_date", "history_id")
    )
    rows: list[HistoryRow] = []
    pending: list = []
    position = 0
    previous = None
    for record in records:
        while position < len(participations) and participations[position].history_date <= record.history_date:
            pending.append(participations[position])
            position += 1
        same_save = [
            p for p in pending
            if p.history_user_id == record.history_user_id and record.history_date - p.history_date <= SAME_SAVE
        ]
        for p in pending:
            if p not in same_save:
                rows.append(_participation_row(p))
        pending = []
        if previous is None:
            changes = []
            kind = "created"
        else:
            changes = _field_changes(Action, previous, record, lookups) + _sdg_change(previous, record)
            kind = "changed"
        if same_save:
            changes.append(_participation_change(same_save))
        if changes or kind == "created":
            rows.append(
                HistoryRow(record.history_date, record.history_user, kind, record.history_id, record.version, changes)
            )
        previous = record
    for p in participations[position:]:
        rows.append(_participation_row(p))
    rows.sort(key=lambda row: row.when, reverse=True)
    return rows


@dataclass
class ChangeSummary:
    """What changed in an object between the version a form was opened on and now."""

    who: object
    when: datetime | None
    version: int
    changes: list[FieldChange]


def changes_since(obj, version: int | None) -> ChangeSummary:
    model = type(obj)
    history = obj.history.select_related("history_user").order_by("-history_date", "-history_id")
    if model is Action:
        history = history.prefetch_related(SDG_ROWS)
    latest = history.first()
    old = history.filter(version=version).first() if version is not None else None
    if latest is None:
        return ChangeSummary(None, None, obj.version, [])
    changes: list[FieldChange] = []
    if old is not None:
        lookups = _lookups(model, [old, latest])
        changes = _field_changes(model, old, latest, lookups)
        if model is Action:
            changes += _sdg_change(old, latest)
            moved = list(
                Participation.history.model.objects.filter(action_id=obj.pk, history_date__gt=old.history_date)
                .select_related("member")
            )
            if moved:
                changes.append(_participation_change(moved))
    return ChangeSummary(latest.history_user, latest.history_date, obj.version, changes)
