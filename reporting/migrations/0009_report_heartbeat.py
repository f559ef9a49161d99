"""A running build's heartbeat, and the stale-build recovery every 15 seconds
(it was every 5 minutes, with builds taken for lost after 15): a build whose
worker died restarts within a minute. A schedule staff changed is left alone."""

from django.db import migrations, models

NAME = "reports: recover stale builds"


def every_15_seconds(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    task = PeriodicTask.objects.filter(name=NAME, interval__every=5, interval__period="minutes").first()
    if task is not None:
        task.interval, _ = IntervalSchedule.objects.get_or_create(every=15, period="seconds")
        task.description = "Every 15 seconds: queue again reports whose build died (worker lost) or was never picked up."
        task.save()


def every_5_minutes(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    task = PeriodicTask.objects.filter(name=NAME, interval__every=15, interval__period="seconds").first()
    if task is not None:
        task.interval, _ = IntervalSchedule.objects.get_or_create(every=5, period="minutes")
        task.save()


class Migration(migrations.Migration):

    dependencies = [
        ("reporting", "0008_figures_version"),
        ("reporting", "0003_beat_schedules"),
    ]

    operations = [
        migrations.AddField(
            model_name="report",
            name="heartbeat_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(every_15_seconds, every_5_minutes),
    ]
