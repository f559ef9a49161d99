"""Existing indicators become counts, or percentages where their unit is a per
cent sign or says per cent; nothing else of them changes (their values are
kept as they are, and add up as before: the mean of members' values of the
period)."""

from django.db import migrations

PERCENT_UNITS = {"%", "percent", "per cent", "percentage", "pourcentage", "porcentaje", "pour cent",
                 "por ciento"}


def is_percentage(unit: str) -> bool:
    unit = (unit or "").strip().lower()
    return unit in PERCENT_UNITS or unit.startswith("%")


def forwards(apps, schema_editor):
    Indicator = apps.get_model("actions", "Indicator")
    for indicator in Indicator.objects.all().only("pk", "unit", "unit_en"):
        measure = "percentage" if is_percentage(indicator.unit_en or indicator.unit) else "count"
        Indicator.objects.filter(pk=indicator.pk).update(measure=measure)


class Migration(migrations.Migration):
    dependencies = [("actions", "0012_indicator_measure_and_rules")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
