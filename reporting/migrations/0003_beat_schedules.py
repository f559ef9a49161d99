"""The beat schedules of the reporting work, stored in the database
(django-celery-beat), so that staff can see and change them in the admin.

Times are UTC. Running this migration twice, or after staff edited a schedule,
leaves their edits alone: rows are looked up by name and only created.
"""

import json

from django.db import migrations

SCHEDULES = [
    # name, task, crontab (minute, hour, day_of_month) or interval minutes, description
    ("reports: period close", "reporting.tasks.build_period_close_reports", ("15", "2", "*"), None,
     "Daily: build the period-close report of every period whose submission deadline has passed and has none."),
    ("reports: monthly", "reporting.tasks.build_monthly_report", ("30", "2", "1"), None,
     "On the 1st of each month: the monthly progress report of the current plan, as of the end of last month."),
    ("reminders: due and overdue", "reporting.tasks.send_reminders", ("0", "7", "*"), None,
     "Daily: remind focal points of updates due soon and overdue (once per member, period and kind)."),
    ("reports: recover stale builds", "reporting.tasks.recover_stale_reports", None, 5,
     "Every 5 minutes: queue again reports whose build died (worker lost) or was never picked up."),
]


def create_schedules(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    for name, task, cron, every_minutes, description in SCHEDULES:
        if PeriodicTask.objects.filter(name=name).exists():
            continue
        schedule = {}
        if cron is not None:
            minute, hour, day_of_month = cron
            schedule["crontab"], _ = CrontabSchedule.objects.get_or_create(
                minute=minute, hour=hour, day_of_month=day_of_month, month_of_year="*", day_of_week="*",
                timezone="UTC",
            )
        else:
            schedule["interval"], _ = IntervalSchedule.objects.get_or_create(every=every_minutes, period="minutes")
        PeriodicTask.objects.create(
            name=name, task=task, description=description, args=json.dumps([]), kwargs=json.dumps({}),
            enabled=True, **schedule,
        )


def delete_schedules(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[row[0] for row in SCHEDULES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0002_report_queue_times_and_reminders"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedules, delete_schedules)]
