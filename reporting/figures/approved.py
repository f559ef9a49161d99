"""The approved values the engine reads (ApprovedIndicatorValue), kept in step
with the updates: one row per value of an approved update, with the update's
member, period and approval time.

`refresh(update_ids)` is the one writer: it makes the rows of those updates
again from their state and values. It runs in the transaction of every save
of an update or a value (signals below: the approval, update_approve, a test
factory or any other save), so a rolled-back approval leaves no row; bulk
loaders, which send no signals, call it themselves. A deleted update or value
takes its rows with it (CASCADE).
"""

from __future__ import annotations

from collections.abc import Iterable

from actions.disaggregation import PART_NAMES
from reporting.models import ApprovedIndicatorValue, IndicatorValue, ProgressUpdate

BATCH = 500
COPIED = ("value", "numerator", "denominator", "not_available_reason", *PART_NAMES)


def refresh(update_ids: Iterable[int]) -> None:
    """The rows of `update_ids` made again from what is stored now: none for an
    update that is not approved, one per value for an approved one."""
    ids = sorted(set(update_ids))
    for start in range(0, len(ids), BATCH):
        _refresh(ApprovedIndicatorValue.objects.filter(update_id__in=ids[start:start + BATCH]),
                 IndicatorValue.objects.filter(update_id__in=ids[start:start + BATCH]))


def refresh_values(value_ids: Iterable[int]) -> None:
    """The rows of these values made again (a value saved on its own)."""
    ids = sorted(set(value_ids))
    _refresh(ApprovedIndicatorValue.objects.filter(source_id__in=ids), IndicatorValue.objects.filter(pk__in=ids))


def _refresh(rows, values) -> None:
    rows.delete()
    found = values.filter(update__state=ProgressUpdate.State.APPROVED).values(
        "pk", "update_id", "indicator_id", "update__member_id", "update__period_id", "update__reviewed_at", *COPIED)
    ApprovedIndicatorValue.objects.bulk_create([
        ApprovedIndicatorValue(
            source_id=row["pk"], update_id=row["update_id"], indicator_id=row["indicator_id"],
            member_id=row["update__member_id"], period_id=row["update__period_id"],
            approved_at=row["update__reviewed_at"], **{name: row[name] for name in COPIED},
        )
        for row in found
    ], batch_size=BATCH)


def update_saved(sender, instance: ProgressUpdate, created: bool = False, raw: bool = False, **_kwargs) -> None:
    if raw or (created and instance.state != ProgressUpdate.State.APPROVED):
        return  # a new update that is not approved has no rows
    if instance.state != ProgressUpdate.State.APPROVED:
        ApprovedIndicatorValue.objects.filter(update_id=instance.pk).delete()
    else:
        refresh([instance.pk])


def value_saved(sender, instance: IndicatorValue, raw: bool = False, **_kwargs) -> None:
    if raw:
        return
    update = instance._state.fields_cache.get("update")
    if update is not None and update.state != ProgressUpdate.State.APPROVED:
        return  # a value of an update that is not approved has no row (the update's save removed it)
    refresh_values([instance.pk])


def connect() -> None:
    from django.db.models.signals import post_save

    post_save.connect(update_saved, sender=ProgressUpdate, dispatch_uid="approved-values-update")
    post_save.connect(value_saved, sender=IndicatorValue, dispatch_uid="approved-values-value")
