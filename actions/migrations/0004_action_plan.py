"""Each action gets a copy of its goal's plan, so that the database can hold
action codes unique within a plan. 0005 fills it and 0006 adds the constraints
(three migrations: PostgreSQL neither builds an index nor alters a table in the
transaction that has just updated the table's rows)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("actions", "0003_action_history_tracks_sdgs"),
    ]

    operations = [
        migrations.AddField(
            model_name="action",
            name="plan",
            field=models.ForeignKey(
                null=True, editable=False, on_delete=django.db.models.deletion.PROTECT, related_name="+",
                to="actions.plan",
            ),
        ),
    ]
