"""Writing actions: create, change (fields, SDG tags, participants), retire,
reorder, and restore from history."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from actions.models import Action, Goal, Milestone, Participation
from actions.services.common import (
    ACTION_FIELDS,
    apply_fields,
    clean_code,
    lock,
    move_among,
    next_order,
    raise_if_any,
    require_editor,
    require_english_text,
    save_with_history,
    sdg_objects,
    set_retired,
)
from metroplan import changes
from metroplan.permissions import secretariat_users
from metroplan.services import ServiceError, ValidationError, check_version


def staff_users():
    """Users who may lead an action: the secretariat."""
    return secretariat_users().order_by("username")


def _validate_action(action: Action) -> None:
    errors: dict[str, list] = {}
    action.code = clean_code(action.code)
    if not action.code:
        errors["code"] = [_("An action needs a code.")]
    elif (
        Action.objects.filter(goal__plan_id=action.goal.plan_id, code=action.code).exclude(pk=action.pk).exists()
    ):
        errors["code"] = [_("Action %(code)s already exists in this plan.") % {"code": action.code}]
    require_english_text(action, "title", errors)
    if action.start_date and action.end_date and action.end_date < action.start_date:
        errors["end_date"] = [_("The end date is before the start date.")]
    if not action.start_date:
        errors["start_date"] = [_("Give a start date.")]
    if not action.end_date:
        errors["end_date"] = [_("Give an end date.")]
    try:
        Action._meta.get_field("weight").run_validators(action.weight)
    except ValidationError as exc:
        errors["weight"] = list(exc.messages)
    if action.lead_id and not staff_users().filter(pk=action.lead_id).exists():
        errors["lead"] = [_("The lead must be a member of the secretariat.")]
    if action.pk and action.start_date and action.end_date and "end_date" not in errors:
        outside = (
            Milestone.objects.filter(indicator__action=action)
            .exclude(year__gte=action.start_date.year, year__lte=action.end_date.year)
            .select_related("indicator")
            .order_by("indicator__code", "year")
        )
        for milestone in outside:
            errors.setdefault("end_date", []).append(
                _("Indicator %(code)s has a milestone for %(year)s, outside the new dates.")
                % {"code": milestone.indicator.code, "year": milestone.year}
            )
    raise_if_any(errors)


def _set_participants(action: Action, member_ids: Iterable[int], user, *, as_stored: bool = False) -> bool:
    """Add and remove Participation rows one by one, so each change has history.

    `as_stored`: `action` is its row as stored (read in this transaction, no
    field changed since); the rows removed are given it as their action, so
    that the change feed records the list's change without reading the action,
    its plan and its goal again (a new row is given it anyway)."""
    wanted = {int(pk) for pk in member_ids}
    current = dict(Participation.objects.filter(action=action).values_list("member_id", "pk"))
    removed = [pk for member_id, pk in current.items() if member_id not in wanted]
    added = wanted - set(current)
    for participation in Participation.objects.filter(pk__in=removed):
        if as_stored:
            participation.action = action
        participation._history_user = user
        participation.delete()
    for member_id in sorted(added):
        participation = Participation(action=action, member_id=member_id)
        participation._history_user = user
        participation.save()
    return bool(removed or added)


def _set_sdgs(action, numbers: Iterable[int]) -> bool:
    new = {int(n) for n in numbers}
    if new == set(action.sdgs.values_list("number", flat=True)):
        return False
    objects = sdg_objects(new)
    # the snapshot is taken by the save that follows; no record per m2m signal
    action.skip_history_when_saving = True
    try:
        action.sdgs.set(objects)
    finally:
        del action.skip_history_when_saving
    return True


@transaction.atomic
def action_create(
    *,
    user,
    goal: Goal,
    data: Mapping,
    sdgs: Iterable[int] = (),
    participants: Iterable[int] = (),
) -> Action:
    """A new action under `goal`, with its SDG tags and participating members."""
    require_editor(user)
    action = Action(goal=goal, version=0)
    apply_fields(action, data, ACTION_FIELDS)
    if "order" not in data:
        action.order = next_order(Action.objects.filter(goal=action.goal))
    _validate_action(action)
    save_new_action(action, user, sdgs, participants)
    return action


def save_new_action(action: Action, user, sdgs: Iterable[int], participants: Iterable[int]) -> None:
    """Insert without history, add SDGs and participants, then save once more
    with history: the creation is one record that includes its participants."""
    action.skip_history_when_saving = True
    try:
        save_with_history(action, user)
    finally:
        del action.skip_history_when_saving
    _set_sdgs(action, sdgs)
    _set_participants(action, participants, user)
    save_with_history(action, user, bump=False)


@transaction.atomic
def action_update(
    *,
    user,
    action: Action,
    data: Mapping,
    sdgs: Iterable[int] | None = None,
    participants: Iterable[int] | None = None,
    expected_version: int | None = None,
) -> Action:
    """Change an action's fields, SDG tags and/or participants.

    Refused with ConflictError when `expected_version` is older than the stored
    version. Every change bumps the version by one and leaves one history record.
    """
    require_editor(user)
    # its goal (the save copies the goal's plan) and its plan (who sees the
    # change in the feed) read with it
    action = lock(Action, action.pk, "goal", "plan")
    check_version(action, expected_version)
    changed = apply_fields(action, data, ACTION_FIELDS)
    if changed:
        _validate_action(action)
    # the lists' changes and the save are one entry of the change feed, written once
    with changes.one_write():
        sdgs_changed = _set_sdgs(action, sdgs) if sdgs is not None else False
        participants_changed = (
            _set_participants(action, participants, user, as_stored=not changed) if participants is not None
            else False
        )
        if changed or sdgs_changed or participants_changed:
            save_with_history(action, user)
    return action


@transaction.atomic
def action_participant_set(*, user, action: Action, member_id: int, taking_part: bool) -> Action:
    """Add or remove one participant (an in-place edit: a delta, so no version check)."""
    require_editor(user)
    action = lock(Action, action.pk)
    ids = set(Participation.objects.filter(action=action).values_list("member_id", flat=True))
    ids = ids | {member_id} if taking_part else ids - {member_id}
    return action_update(user=user, action=action, data={}, participants=ids)


@transaction.atomic
def action_retire(*, user, action: Action, retired: bool = True, expected_version: int | None = None) -> Action:
    """Retire an action (kept with its updates, left out of progress) or bring it back."""
    return set_retired(user, action, retired, expected_version)


@transaction.atomic
def action_move(*, user, action: Action, direction: str) -> Action:
    """Move an action one place up or down within its goal."""
    require_editor(user)
    return move_among(user, action, Action.objects.filter(goal_id=action.goal_id), direction)


def participants_at(action: Action, moment) -> set[int]:
    """Member ids taking part in `action` at `moment`, from participation history."""
    HistoricalParticipation = Participation.history.model
    latest: dict[int, str] = {}
    rows = (
        HistoricalParticipation.objects.filter(action_id=action.pk, history_date__lte=moment)
        .order_by("history_date", "history_id")
        .values_list("member_id", "history_type")
    )
    for member_id, history_type in rows:
        latest[member_id] = history_type
    return {member_id for member_id, kind in latest.items() if kind != "-"}


@transaction.atomic
def action_restore(*, user, action: Action, history_id: int, expected_version: int | None = None) -> Action:
    """Bring back an action as it was in history record `history_id`: its fields,
    SDG tags and participants. The restore is a new change (a new version with
    its own history record); nothing is rewritten."""
    require_editor(user)
    record = action.history.filter(history_id=history_id).first()
    if record is None:
        raise ServiceError(_("That version of the action does not exist."), code="not_found")
    data = {name: getattr(record, name) for name in ACTION_FIELDS if name not in ("goal", "lead")}
    data["goal"] = Goal.objects.filter(pk=record.goal_id).first() or action.goal
    data["lead"] = get_user_model().objects.filter(pk=record.lead_id).first() if record.lead_id else None
    sdgs = [row.sustainabledevelopmentgoal_id for row in record.sdgs.all()]
    participants = participants_at(action, record.history_date)
    return action_update(
        user=user, action=action, data=data, sdgs=sdgs, participants=participants, expected_version=expected_version
    )
