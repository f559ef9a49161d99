"""The beat schedule of the outbox relay (django-celery-beat, in the database):
every 15 seconds, publish what waits in the outbox. Created once by name;
staff's edits are left alone."""

import json

from django.db import migrations

NAME = "outbox: relay"


def create_schedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    if PeriodicTask.objects.filter(name=NAME).exists():
        return
    interval, _ = IntervalSchedule.objects.get_or_create(every=15, period="seconds")
    PeriodicTask.objects.create(
        name=NAME, task="metroplan.tasks.relay_outbox", interval=interval, args=json.dumps([]),
        kwargs=json.dumps({}), enabled=True,
        description="Every 15 seconds: publish the e-mails and builds written while the broker did not answer.",
    )


def delete_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("metroplan", "0001_outbox"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, delete_schedule)]
