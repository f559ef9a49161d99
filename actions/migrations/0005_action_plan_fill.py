"""Fill each action's copy of its goal's plan; bring weights into the model's
range 1-100 (the plan form used to allow 0); stop, listing them, on action codes
that appear twice in one plan, which 0006 will refuse."""

from django.db import migrations
from django.db.models import Count, OuterRef, Subquery


def fill_plan_and_clamp_weights(apps, schema_editor):
    Action = apps.get_model("actions", "Action")
    Goal = apps.get_model("actions", "Goal")
    Action.objects.update(plan_id=Subquery(Goal.objects.filter(pk=OuterRef("goal_id")).values("plan_id")[:1]))
    Action.objects.filter(weight__lt=1).update(weight=1)
    Action.objects.filter(weight__gt=100).update(weight=100)
    duplicates = list(
        Action.objects.values("plan_id", "code").annotate(n=Count("pk")).filter(n__gt=1).values_list("plan_id", "code")
    )
    if duplicates:
        raise RuntimeError(
            "These action codes appear twice in one plan; give one of each pair another code, "
            f"then migrate again: {duplicates}"
        )


class Migration(migrations.Migration):

    dependencies = [
        ("actions", "0004_action_plan"),
    ]

    operations = [
        migrations.RunPython(fill_plan_and_clamp_weights, migrations.RunPython.noop),
    ]
