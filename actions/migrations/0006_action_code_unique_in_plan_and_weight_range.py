"""Action codes unique within a plan and weights 1-100, held by the database."""

import django.core.validators
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("actions", "0005_action_plan_fill"),
    ]

    operations = [
        migrations.AlterField(
            model_name="action",
            name="plan",
            field=models.ForeignKey(
                editable=False, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="actions.plan"
            ),
        ),
        migrations.RemoveConstraint(
            model_name="action",
            name="action_code_unique_in_goal",
        ),
        migrations.AddConstraint(
            model_name="action",
            constraint=models.UniqueConstraint(fields=("plan", "code"), name="action_code_unique_in_plan"),
        ),
        migrations.AlterField(
            model_name="action",
            name="weight",
            field=models.PositiveSmallIntegerField(
                default=1, help_text="Weight of this action in its goal's and the plan's progress.",
                validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(100)],
                verbose_name="weight",
            ),
        ),
        migrations.AlterField(
            model_name="historicalaction",
            name="weight",
            field=models.PositiveSmallIntegerField(
                default=1, help_text="Weight of this action in its goal's and the plan's progress.",
                validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(100)],
                verbose_name="weight",
            ),
        ),
        migrations.AddConstraint(
            model_name="action",
            constraint=models.CheckConstraint(
                condition=models.Q(("weight__gte", 1), ("weight__lte", 100)), name="action_weight_1_to_100"
            ),
        ),
    ]
