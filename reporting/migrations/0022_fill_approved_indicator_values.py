"""Fill the engine's approved values from the values of every approved update
(what reporting/figures/approved.py keeps in step from now on). Written out
here, as migrations are, so that it stays what it was when models change."""

from django.db import migrations

PARTS = ("women", "men", "sex_other", "youth", "age_other")
COPIED = ("value", "numerator", "denominator", "not_available_reason", *PARTS)
BATCH = 2000


def fill(apps, schema_editor):
    IndicatorValue = apps.get_model("reporting", "IndicatorValue")
    ApprovedIndicatorValue = apps.get_model("reporting", "ApprovedIndicatorValue")
    ApprovedIndicatorValue.objects.all().delete()  # again after a partial run: the same rows, once
    rows = (
        IndicatorValue.objects.filter(update__state="approved").order_by("pk")
        .values("pk", "update_id", "indicator_id", "update__member_id", "update__period_id", "update__reviewed_at",
                *COPIED)
        .iterator(chunk_size=BATCH)
    )
    batch = []
    for row in rows:
        batch.append(ApprovedIndicatorValue(
            source_id=row["pk"], update_id=row["update_id"], indicator_id=row["indicator_id"],
            member_id=row["update__member_id"], period_id=row["update__period_id"],
            approved_at=row["update__reviewed_at"], **{name: row[name] for name in COPIED},
        ))
        if len(batch) >= BATCH:
            ApprovedIndicatorValue.objects.bulk_create(batch)
            batch = []
    ApprovedIndicatorValue.objects.bulk_create(batch)


def empty(apps, schema_editor):
    apps.get_model("reporting", "ApprovedIndicatorValue").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("reporting", "0021_approved_indicator_value")]

    operations = [migrations.RunPython(fill, empty)]
