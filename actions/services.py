"""Every write to the plan: goals, actions, indicators, reporting periods,
carry-over to a new plan, and spreadsheet import.

Each function is keyword-only, checks the caller with `can_edit_plan`, runs in a
transaction, validates with messages a user can act on (raising
`ValidationError` with a field → messages dict), bumps `version` on goals,
actions and indicators and refuses a write made on an older version
(`ConflictError`). History (who, when, what) is kept by django-simple-history:
services stamp the user on the instance so that imports and tests record it too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from actions.models import Action, Goal, Indicator, Milestone, Participation, Plan, SustainableDevelopmentGoal
from metroplan.permissions import can_edit_plan, secretariat_users
from metroplan.services import PermissionDenied, ServiceError, ValidationError, check_version

LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]


def translated(*names: str) -> list[str]:
    """`title` → title_en, title_fr, title_es."""
    return [f"{name}_{code}" for name in names for code in LANGUAGE_CODES]


GOAL_FIELDS = {"code", "order", "basis", *translated("title", "description")}
ACTION_FIELDS = {
    "goal", "code", "order", "lead", "start_date", "end_date", "status", "weight", "basis",
    *translated("title", "description"),
}
INDICATOR_FIELDS = {
    "code", "unit", "baseline", "target", "direction", "order", "basis", *translated("name", "description"),
}
PERIOD_FIELDS = {"code", "start", "end", "deadline", "is_open"}


# --- shared helpers ---------------------------------------------------------------


def _require_editor(user) -> None:
    if not can_edit_plan(user):
        raise PermissionDenied(_("Only secretariat staff can edit the plan."))


def _apply(obj, data: Mapping, allowed: set[str]) -> list[str]:
    """Set the allowed fields of `obj` from `data`; return the names that changed."""
    unknown = set(data) - allowed
    if unknown:
        raise ValueError(f"unexpected fields for {obj._meta.model_name}: {sorted(unknown)}")
    changed = []
    for name, value in data.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed.append(name)
    return changed


def _save(obj, user, *, bump: bool = True) -> None:
    """Save with history stamped with `user`; bump the version."""
    if bump:
        obj.version = (obj.version or 0) + 1
    obj._history_user = user
    obj.save()


def _lock(model, pk):
    return model.objects.select_for_update().get(pk=pk)


def _require_english_title(obj, field: str, errors: dict) -> None:
    if not (getattr(obj, f"{field}_en") or "").strip():
        errors.setdefault(f"{field}_en", []).append(_("Give at least the English text."))


def _raise(errors: dict) -> None:
    if errors:
        raise ValidationError(errors)


def _next_order(queryset) -> int:
    return (queryset.aggregate(m=Max("order"))["m"] or 0) + 1


def _clean_code(value) -> str:
    return str(value or "").strip()


# --- goals ------------------------------------------------------------------------


def _validate_goal(goal: Goal) -> None:
    errors: dict[str, list] = {}
    goal.code = _clean_code(goal.code)
    if not goal.code:
        errors["code"] = [_("A goal needs a code.")]
    elif Goal.objects.filter(plan=goal.plan, code=goal.code).exclude(pk=goal.pk).exists():
        errors["code"] = [_("Goal %(code)s already exists in this plan.") % {"code": goal.code}]
    _require_english_title(goal, "title", errors)
    _raise(errors)


@transaction.atomic
def goal_create(*, user, plan: Plan, data: Mapping, sdgs: Iterable[int] | None = None) -> Goal:
    """A new goal in `plan`, placed last unless `order` is given."""
    _require_editor(user)
    goal = Goal(plan=plan, version=0)
    _apply(goal, data, GOAL_FIELDS)
    if "order" not in data:
        goal.order = _next_order(plan.goals.all())
    _validate_goal(goal)
    _save(goal, user)
    if sdgs is not None:
        goal.sdgs.set(_sdg_objects(sdgs))
    return goal


@transaction.atomic
def goal_update(
    *, user, goal: Goal, data: Mapping, sdgs: Iterable[int] | None = None, expected_version: int | None = None
) -> Goal:
    """Change a goal; refused with ConflictError if it moved past `expected_version`."""
    _require_editor(user)
    goal = _lock(Goal, goal.pk)
    check_version(goal, expected_version)
    changed = _apply(goal, data, GOAL_FIELDS)
    sdgs_changed = False
    if sdgs is not None:
        new = set(int(n) for n in sdgs)
        if new != set(goal.sdgs.values_list("number", flat=True)):
            goal.sdgs.set(_sdg_objects(new))
            sdgs_changed = True
    if changed or sdgs_changed:
        _validate_goal(goal)
        _save(goal, user)
    return goal


@transaction.atomic
def goal_retire(*, user, goal: Goal, retired: bool = True, expected_version: int | None = None) -> Goal:
    """Retire a goal (it stays, greyed out, with its actions) or bring it back."""
    _require_editor(user)
    goal = _lock(Goal, goal.pk)
    check_version(goal, expected_version)
    if goal.retired != retired:
        goal.retired = retired
        _save(goal, user)
    return goal


def _move(user, obj, siblings, direction: str):
    """Swap `obj` with its neighbour in `siblings` (ordered by order, code)."""
    ordered = list(siblings.select_for_update().order_by("order", "code"))
    # normalise first, so that equal orders (imports, old data) still move
    for index, item in enumerate(ordered, start=1):
        if item.order != index:
            item.order = index
            _save(item, user)
    position = next(i for i, item in enumerate(ordered) if item.pk == obj.pk)
    other = position - 1 if direction == "up" else position + 1
    if other < 0 or other >= len(ordered):
        return ordered[position]
    a, b = ordered[position], ordered[other]
    a.order, b.order = b.order, a.order
    _save(a, user)
    _save(b, user)
    return a


@transaction.atomic
def goal_move(*, user, goal: Goal, direction: str) -> Goal:
    """Move a goal one place up or down in its plan."""
    _require_editor(user)
    return _move(user, goal, Goal.objects.filter(plan_id=goal.plan_id), direction)


# --- actions ----------------------------------------------------------------------


def _sdg_objects(numbers: Iterable[int]) -> list[SustainableDevelopmentGoal]:
    numbers = {int(n) for n in numbers}
    found = list(SustainableDevelopmentGoal.objects.filter(number__in=numbers))
    missing = numbers - {s.number for s in found}
    if missing:
        raise ValidationError({"sdgs": [_("Unknown SDG: %(n)s.") % {"n": ", ".join(map(str, sorted(missing)))}]})
    return found


def staff_users():
    """Users who may lead an action: the secretariat."""
    return secretariat_users().order_by("username")


def _validate_action(action: Action) -> None:
    errors: dict[str, list] = {}
    action.code = _clean_code(action.code)
    if not action.code:
        errors["code"] = [_("An action needs a code.")]
    elif (
        Action.objects.filter(goal__plan_id=action.goal.plan_id, code=action.code).exclude(pk=action.pk).exists()
    ):
        errors["code"] = [_("Action %(code)s already exists in this plan.") % {"code": action.code}]
    _require_english_title(action, "title", errors)
    if action.start_date and action.end_date and action.end_date < action.start_date:
        errors["end_date"] = [_("The end date is before the start date.")]
    if not action.start_date:
        errors["start_date"] = [_("Give a start date.")]
    if not action.end_date:
        errors["end_date"] = [_("Give an end date.")]
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
    _raise(errors)


def _set_participants(action: Action, member_ids: Iterable[int], user) -> bool:
    """Add and remove Participation rows one by one, so each change has history."""
    wanted = {int(pk) for pk in member_ids}
    current = dict(Participation.objects.filter(action=action).values_list("member_id", "pk"))
    removed = [pk for member_id, pk in current.items() if member_id not in wanted]
    added = wanted - set(current)
    for participation in Participation.objects.filter(pk__in=removed):
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
    objects = _sdg_objects(new)
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
    _require_editor(user)
    action = Action(goal=goal, version=0)
    _apply(action, data, ACTION_FIELDS)
    if "order" not in data:
        action.order = _next_order(Action.objects.filter(goal=action.goal))
    _validate_action(action)
    _save_new_action(action, user, sdgs, participants)
    return action


def _save_new_action(action: Action, user, sdgs: Iterable[int], participants: Iterable[int]) -> None:
    """Insert without history, add SDGs and participants, then save once more
    with history: the creation is one record that includes its participants."""
    action.skip_history_when_saving = True
    try:
        _save(action, user)
    finally:
        del action.skip_history_when_saving
    _set_sdgs(action, sdgs)
    _set_participants(action, participants, user)
    _save(action, user, bump=False)


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
    _require_editor(user)
    action = _lock(Action, action.pk)
    check_version(action, expected_version)
    changed = _apply(action, data, ACTION_FIELDS)
    if changed:
        _validate_action(action)
    sdgs_changed = _set_sdgs(action, sdgs) if sdgs is not None else False
    participants_changed = _set_participants(action, participants, user) if participants is not None else False
    if changed or sdgs_changed or participants_changed:
        _save(action, user)
    return action


@transaction.atomic
def action_participant_set(*, user, action: Action, member_id: int, taking_part: bool) -> Action:
    """Add or remove one participant (an in-place edit: a delta, so no version check)."""
    _require_editor(user)
    action = _lock(Action, action.pk)
    ids = set(Participation.objects.filter(action=action).values_list("member_id", flat=True))
    ids = ids | {member_id} if taking_part else ids - {member_id}
    return action_update(user=user, action=action, data={}, participants=ids)


@transaction.atomic
def action_retire(*, user, action: Action, retired: bool = True, expected_version: int | None = None) -> Action:
    """Retire an action (kept with its updates, left out of progress) or bring it back."""
    _require_editor(user)
    action = _lock(Action, action.pk)
    check_version(action, expected_version)
    if action.retired != retired:
        action.retired = retired
        _save(action, user)
    return action


@transaction.atomic
def action_move(*, user, action: Action, direction: str) -> Action:
    """Move an action one place up or down within its goal."""
    _require_editor(user)
    return _move(user, action, Action.objects.filter(goal_id=action.goal_id), direction)


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
    _require_editor(user)
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


# --- indicators -------------------------------------------------------------------


def _validate_indicator(indicator: Indicator, milestones: Mapping[int, Decimal] | None) -> None:
    errors: dict[str, list] = {}
    indicator.code = _clean_code(indicator.code)
    if not indicator.code:
        errors["code"] = [_("An indicator needs a code.")]
    elif Indicator.objects.filter(action=indicator.action, code=indicator.code).exclude(pk=indicator.pk).exists():
        errors["code"] = [_("Indicator %(code)s already exists in this action.") % {"code": indicator.code}]
    _require_english_title(indicator, "name", errors)
    if not (indicator.unit or "").strip():
        errors["unit"] = [_("Give a unit, for example 'members' or 'km'.")]
    baseline, target = indicator.baseline, indicator.target
    if baseline is None:
        errors["baseline"] = [_("Give a baseline.")]
    if target is None:
        errors["target"] = [_("Give a target.")]
    if baseline is not None and target is not None:
        if target == baseline:
            errors["target"] = [_("The target equals the baseline: there would be nothing to measure.")]
        elif indicator.direction == Indicator.Direction.INCREASE and target < baseline:
            errors["target"] = [_("The indicator should increase, but the target is below the baseline.")]
        elif indicator.direction == Indicator.Direction.DECREASE and target > baseline:
            errors["target"] = [_("The indicator should decrease, but the target is above the baseline.")]
    if milestones is not None:
        action = indicator.action
        first, last = action.start_date.year, action.end_date.year
        for year in sorted(milestones):
            if not first <= year <= last:
                errors.setdefault("milestones", []).append(
                    _("The milestone for %(year)s is outside the action's dates (%(first)s–%(last)s).")
                    % {"year": year, "first": first, "last": last}
                )
    _raise(errors)


def _set_milestones(indicator: Indicator, milestones: Mapping[int, Decimal]) -> bool:
    current = {m.year: m for m in indicator.milestones.all()}
    changed = False
    for year, milestone in current.items():
        if year not in milestones:
            milestone.delete()
            changed = True
    for year, value in milestones.items():
        if year in current:
            if current[year].value != value:
                current[year].value = value
                current[year].save()
                changed = True
        else:
            Milestone.objects.create(indicator=indicator, year=year, value=value)
            changed = True
    return changed


@transaction.atomic
def indicator_create(
    *, user, action: Action, data: Mapping, milestones: Mapping[int, Decimal] | None = None
) -> Indicator:
    """A new indicator of `action`, with yearly milestones inside the action's dates."""
    _require_editor(user)
    indicator = Indicator(action=action, version=0)
    _apply(indicator, data, INDICATOR_FIELDS)
    if "order" not in data:
        indicator.order = _next_order(action.indicators.all())
    _validate_indicator(indicator, milestones)
    _save(indicator, user)
    if milestones:
        _set_milestones(indicator, milestones)
    return indicator


@transaction.atomic
def indicator_update(
    *,
    user,
    indicator: Indicator,
    data: Mapping,
    milestones: Mapping[int, Decimal] | None = None,
    expected_version: int | None = None,
) -> Indicator:
    """Change an indicator (and, if given, replace its milestones)."""
    _require_editor(user)
    indicator = _lock(Indicator, indicator.pk)
    check_version(indicator, expected_version)
    changed = _apply(indicator, data, INDICATOR_FIELDS)
    _validate_indicator(indicator, milestones)
    milestones_changed = _set_milestones(indicator, milestones) if milestones is not None else False
    if changed or milestones_changed:
        _save(indicator, user)
    return indicator


@transaction.atomic
def indicator_retire(
    *, user, indicator: Indicator, retired: bool = True, expected_version: int | None = None
) -> Indicator:
    _require_editor(user)
    indicator = _lock(Indicator, indicator.pk)
    check_version(indicator, expected_version)
    if indicator.retired != retired:
        indicator.retired = retired
        _save(indicator, user)
    return indicator


@transaction.atomic
def indicator_move(*, user, indicator: Indicator, direction: str) -> Indicator:
    _require_editor(user)
    return _move(user, indicator, Indicator.objects.filter(action_id=indicator.action_id), direction)


def parse_milestones(text: str) -> dict[int, Decimal]:
    """'2022: 40; 2023: 80' → {2022: Decimal('40'), 2023: Decimal('80')} (spreadsheet cells)."""
    result: dict[int, Decimal] = {}
    for part in str(text or "").replace("\n", ";").split(";"):
        part = part.strip()
        if not part:
            continue
        year, sep, value = part.partition(":")
        try:
            if not sep:
                raise ValueError
            result[int(year.strip())] = Decimal(value.strip())
        except (ValueError, InvalidOperation) as exc:
            raise ValidationError(
                {"milestones": [_("Write milestones as 'year: value; year: value', not '%(part)s'.") % {"part": part}]}
            ) from exc
    return result


def format_milestones(milestones: Iterable[Milestone]) -> str:
    return "; ".join(f"{m.year}: {m.value.normalize():f}" for m in milestones)


# --- reporting periods ------------------------------------------------------------


def _validate_period(period) -> None:
    from reporting.models import ReportingPeriod

    errors: dict[str, list] = {}
    period.code = _clean_code(period.code)
    if not period.code:
        errors["code"] = [_("A period needs a code, for example 2024-Q1.")]
    elif ReportingPeriod.objects.filter(plan=period.plan, code=period.code).exclude(pk=period.pk).exists():
        errors["code"] = [_("Period %(code)s already exists in this plan.") % {"code": period.code}]
    for name in ("start", "end", "deadline"):
        if not getattr(period, name):
            errors[name] = [_("Give a date.")]
    if period.start and period.end and period.end < period.start:
        errors["end"] = [_("The end date is before the start date.")]
    if period.end and period.deadline and period.deadline < period.end:
        errors["deadline"] = [_("The deadline is before the end of the period.")]
    _raise(errors)


@transaction.atomic
def period_create(*, user, plan: Plan, data: Mapping):
    """A new reporting period of `plan`; the deadline defaults to 30 days after its end."""
    from datetime import timedelta

    from reporting.models import ReportingPeriod

    _require_editor(user)
    period = ReportingPeriod(plan=plan)
    for name, value in data.items():
        if name not in PERIOD_FIELDS:
            raise ValueError(name)
        setattr(period, name, value)
    if not period.deadline and period.end:
        period.deadline = period.end + timedelta(days=30)
    _validate_period(period)
    period.save()
    return period


@transaction.atomic
def period_update(*, user, period, data: Mapping, expected_version: int | None = None):
    """Change a period's code, dates, deadline or open/closed state.

    Refused with ConflictError if the period moved past `expected_version`;
    a change bumps the period's `version`."""
    from reporting.models import ReportingPeriod

    _require_editor(user)
    period = ReportingPeriod.objects.select_for_update().get(pk=period.pk)
    check_version(period, expected_version)
    changed = False
    for name, value in data.items():
        if name not in PERIOD_FIELDS:
            raise ValueError(name)
        if getattr(period, name) != value:
            setattr(period, name, value)
            changed = True
    _validate_period(period)
    if changed:
        period.version = (period.version or 0) + 1
        period.save()
    return period


# --- carry-over -------------------------------------------------------------------


@transaction.atomic
def plan_carry_over(
    *,
    user,
    source: Plan,
    code: str,
    name: str,
    start_date: date,
    end_date: date,
    goal_ids: Iterable[int],
    action_ids: Iterable[int],
    copy_indicators: bool = True,
    copy_participants: bool = True,
) -> Plan:
    """Start a new draft plan from `source`, copying the chosen goals and actions.

    Every copy links to its original (`carried_from`). Copied actions span the
    new plan's dates and start as not started; copied indicators keep baseline,
    target and unit, and drop milestones outside the new dates. An action whose
    goal was not chosen brings its goal along.
    """
    _require_editor(user)
    errors: dict[str, list] = {}
    code = _clean_code(code)
    if not code:
        errors["code"] = [_("Give the new plan a code, for example 2024-2026.")]
    elif Plan.objects.filter(code=code).exists():
        errors["code"] = [_("A plan with code %(code)s already exists.") % {"code": code}]
    if not (name or "").strip():
        errors["name"] = [_("Give the new plan a name.")]
    if start_date and end_date and end_date <= start_date:
        errors["end_date"] = [_("The end date must be after the start date.")]
    actions = list(
        Action.objects.filter(goal__plan=source, pk__in=list(action_ids))
        .select_related("goal")
        .prefetch_related("sdgs", "indicators__milestones", "participations")
        .order_by("goal__order", "order", "code")
    )
    chosen_goal_ids = set(int(pk) for pk in goal_ids) | {a.goal_id for a in actions}
    goals = list(Goal.objects.filter(plan=source, pk__in=chosen_goal_ids).prefetch_related("sdgs").order_by("order"))
    if not goals:
        errors["goals"] = [_("Choose at least one goal or action to carry over.")]
    _raise(errors)

    plan = Plan.objects.create(
        code=code, name=name.strip(), start_date=start_date, end_date=end_date,
        status=Plan.Status.DRAFT, is_current=False, carried_from=source,
    )
    copies: dict[int, Goal] = {}
    translated_goal = translated("title", "description")
    for goal in goals:
        copy = Goal(
            plan=plan, code=goal.code, order=goal.order, basis=goal.basis, carried_from=goal, version=0,
            **{name: getattr(goal, name) for name in translated_goal},
        )
        _save(copy, user)
        copy.sdgs.set(goal.sdgs.all())
        copies[goal.pk] = copy
    for action in actions:
        copy = Action(
            goal=copies[action.goal_id], code=action.code, order=action.order, lead=action.lead,
            start_date=start_date, end_date=end_date, status=Action.Status.NOT_STARTED, weight=action.weight,
            basis=action.basis, carried_from=action, version=0,
            **{name: getattr(action, name) for name in translated("title", "description")},
        )
        _save_new_action(
            copy, user, [s.number for s in action.sdgs.all()],
            [p.member_id for p in action.participations.all()] if copy_participants else [],
        )
        if copy_indicators:
            for indicator in action.indicators.all():
                if indicator.retired:
                    continue
                new = Indicator(
                    action=copy, code=indicator.code, unit=indicator.unit, baseline=indicator.baseline,
                    target=indicator.target, direction=indicator.direction, order=indicator.order,
                    basis=indicator.basis, version=0,
                    **{name: getattr(indicator, name) for name in translated("name", "description")},
                )
                _save(new, user)
                for milestone in indicator.milestones.all():
                    if start_date.year <= milestone.year <= end_date.year:
                        Milestone.objects.create(indicator=new, year=milestone.year, value=milestone.value)
    return plan


# --- deleting (import only) -------------------------------------------------------


def _deletion_refusal(obj) -> str | None:
    """Why `obj` cannot be deleted, or None. Reported progress is never thrown away."""
    from reporting.models import IndicatorValue, ProgressUpdate

    if isinstance(obj, Action):
        count = ProgressUpdate.objects.filter(action=obj).count()
        if count:
            return _(
                "Action %(code)s cannot be deleted: it has %(count)s progress updates. "
                "Keep it and set retired to 'yes' instead."
            ) % {"code": obj.code, "count": count}
    if isinstance(obj, Indicator):
        count = IndicatorValue.objects.filter(indicator=obj).count()
        if count:
            return _(
                "Indicator %(code)s cannot be deleted: members have reported %(count)s values for it. "
                "Set retired to 'yes' instead."
            ) % {"code": obj.code, "count": count}
    if isinstance(obj, Goal):
        remaining = obj.actions.count()
        if remaining:
            return _("Goal %(code)s cannot be deleted: it still has %(count)s actions.") % {
                "code": obj.code, "count": remaining,
            }
    return None


@transaction.atomic
def plan_item_delete(*, user, obj, expected_version: int | None = None) -> None:
    """Delete a goal, action or indicator that carries no reported progress."""
    _require_editor(user)
    obj = _lock(type(obj), obj.pk)
    check_version(obj, expected_version)
    reason = _deletion_refusal(obj)
    if reason:
        raise ServiceError(reason, code="has_progress")
    if isinstance(obj, Action):
        for participation in obj.participations.all():
            participation._history_user = user
            participation.delete()
    obj._history_user = user
    obj.delete()


# --- spreadsheet import -----------------------------------------------------------


class ImportRefused(ServiceError):
    """The upload has errors; nothing was changed. `result` lists them."""

    code = "import_refused"

    def __init__(self, result):
        super().__init__(_("The file has %(count)s errors; nothing was changed.") % {"count": len(result.errors)})
        self.result = result


class _Rollback(Exception):
    pass


def plan_import_preview(*, user, plan: Plan, content: bytes):
    """What importing the XLSX `content` into `plan` would change (and any
    errors), computed by running the import and rolling it back."""
    _require_editor(user)
    return _run_import(user=user, plan=plan, content=content, keep=False)


def plan_import_apply(*, user, plan: Plan, content: bytes):
    """Import the XLSX `content` into `plan`, all or nothing: raises ImportRefused
    (with every error found) and changes nothing if any row is refused."""
    _require_editor(user)
    result = _run_import(user=user, plan=plan, content=content, keep=True)
    if result.errors:
        raise ImportRefused(result)
    return result


def _run_import(*, user, plan, content: bytes, keep: bool):
    from actions.spreadsheet import ImportResult, PlanImporter, SpreadsheetError, read_workbook

    result = ImportResult()
    try:
        sheets = read_workbook(content)
    except SpreadsheetError as exc:
        result.add_error(None, None, str(exc))
        return result
    try:
        with transaction.atomic():
            PlanImporter(user=user, plan=plan, result=result).run(sheets)
            if result.errors or not keep:
                raise _Rollback
    except _Rollback:
        pass
    return result
