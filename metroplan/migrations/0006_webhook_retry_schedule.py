"""The beat schedule of webhook retries (django-celery-beat, in the database):
every minute, queue the deliveries whose next attempt is due. Created once by
name; staff's edits are left alone."""

import json

from django.db import migrations

NAME = "webhooks: retry"


def create_schedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    if PeriodicTask.objects.filter(name=NAME).exists():
        return
    interval, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    PeriodicTask.objects.create(
        name=NAME, task="metroplan.tasks.retry_webhooks", interval=interval, args=json.dumps([]),
        kwargs=json.dumps({}), enabled=True,
        description="Every minute: send again the webhook deliveries whose receiver failed and whose retry is due.",
    )


def delete_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("metroplan", "0005_webhooks"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, delete_schedule)]
