"""What every plan service shares: the editor check, applying a field mapping,
saving with history and a version bump, row locks, orderings and validation
plumbing. Shared by the modules of `actions.services` and by
`reporting.period_services` (periods are edited with the plan)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.db.models import Max
from django.utils.translation import gettext as _

from actions.languages import translated
from actions.models import Indicator, SustainableDevelopmentGoal
from metroplan.permissions import can_edit_plan
from metroplan.services import PermissionDenied, ValidationError, check_integer_ranges, check_version, integer_range

GOAL_FIELDS = {"code", "order", "basis", *translated("title", "description")}
ACTION_FIELDS = {
    "goal", "code", "order", "lead", "start_date", "end_date", "status", "weight", "basis",
    *translated("title", "description"),
}
INDICATOR_FIELDS = {
    "code", "unit", "baseline", "target", "direction", "order", "basis", "by_sex", "by_age", "jump_factor",
    *Indicator.RULE_FIELDS, *translated("name", "description"),
}


def require_editor(user) -> None:
    if not can_edit_plan(user):
        raise PermissionDenied(_("Only secretariat staff can edit the plan."))


def apply_fields(obj, data: Mapping, allowed: set[str]) -> list[str]:
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


def save_with_history(obj, user, *, bump: bool = True) -> None:
    """Save with history stamped with `user`; bump the version."""
    if bump:
        obj.version = (obj.version or 0) + 1
    obj._history_user = user
    check_integer_ranges(obj)
    obj.save()


def lock(model, pk, *related: str):
    """The row, locked for this transaction; `related`: foreign keys read
    with it (joined, not locked: only the row itself is)."""
    if not related:
        return model.objects.select_for_update().get(pk=pk)
    return model.objects.select_for_update(of=("self",)).select_related(*related).get(pk=pk)


def require_english_text(obj, field: str, errors: dict) -> None:
    if not (getattr(obj, f"{field}_en") or "").strip():
        errors.setdefault(f"{field}_en", []).append(_("Give at least the English text."))


def raise_if_any(errors: dict) -> None:
    if errors:
        raise ValidationError(errors)


def next_order(queryset) -> int:
    """Last place; at the field's ceiling, the ceiling (ties sort by code)."""
    ceiling = integer_range(queryset.model._meta.get_field("order"))[1]
    return min((queryset.aggregate(m=Max("order"))["m"] or 0) + 1, ceiling)


def clean_code(value) -> str:
    return str(value or "").strip()


def move_among(user, obj, siblings, direction: str):
    """Swap `obj` with its neighbour in `siblings` (ordered by order, code)."""
    ordered = list(siblings.select_for_update().order_by("order", "code"))
    # normalise first, so that equal orders (imports, old data) still move
    for index, item in enumerate(ordered, start=1):
        if item.order != index:
            item.order = index
            save_with_history(item, user)
    position = next(i for i, item in enumerate(ordered) if item.pk == obj.pk)
    other = position - 1 if direction == "up" else position + 1
    if other < 0 or other >= len(ordered):
        return ordered[position]
    a, b = ordered[position], ordered[other]
    a.order, b.order = b.order, a.order
    save_with_history(a, user)
    save_with_history(b, user)
    return a


def sdg_objects(numbers: Iterable[int]) -> list[SustainableDevelopmentGoal]:
    numbers = {int(n) for n in numbers}
    found = list(SustainableDevelopmentGoal.objects.filter(number__in=numbers))
    missing = numbers - {s.number for s in found}
    if missing:
        raise ValidationError({"sdgs": [_("Unknown SDG: %(n)s.") % {"n": ", ".join(map(str, sorted(missing)))}]})
    return found


def set_retired(user, obj, retired: bool, expected_version: int | None):
    """The one way a goal, an action or an indicator is retired or brought back:
    locked, version-checked, saved with history only when it changes."""
    require_editor(user)
    obj = lock(type(obj), obj.pk)
    check_version(obj, expected_version)
    if obj.retired != retired:
        obj.retired = retired
        save_with_history(obj, user)
    return obj
