"""Reminders by a schedule staff set: the schedule (one row, created with its
defaults when first read), reminders recorded per step (days from the
deadline) instead of per kind, queued through the outbox, and the weekly
digest to the secretariat.

Reminders already sent keep their record: a "due soon" one becomes step -7
(the old window), an "overdue" one step +1, both sent; so nobody is reminded
again of a step the old job already covered (a later step still goes out)."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

import reporting.models

OLD_STEPS = {"due_soon": -7, "overdue": 1}


def kinds_to_steps(apps, schema_editor):
    ReminderSent = apps.get_model("reporting", "ReminderSent")
    for row in ReminderSent.objects.all():
        row.step = OLD_STEPS.get(row.kind, 1)
        row.queued_at = row.sent_at
        row.state = "sent"
        row.save(update_fields=["step", "queued_at", "state"])


def steps_to_kinds(apps, schema_editor):
    ReminderSent = apps.get_model("reporting", "ReminderSent")
    # Back to one row per kind: keep the earliest reminder of each kind, drop the rest.
    seen = set()
    for row in ReminderSent.objects.order_by("queued_at", "pk"):
        kind = "due_soon" if row.step <= 0 else "overdue"
        key = (row.member_id, row.period_id, kind)
        if key in seen or row.sent_at is None:
            row.delete()
            continue
        seen.add(key)
        row.kind = kind
        row.save(update_fields=["kind"])


class Migration(migrations.Migration):

    dependencies = [
        ("members", "0005_user_profile"),
        ("reporting", "0012_private_file_names"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ReminderSchedule",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("days_before", models.JSONField(default=reporting.models.default_days_before, help_text="A reminder this many days before each deadline.", verbose_name="days before the deadline")),
                ("on_deadline_day", models.BooleanField(default=True, verbose_name="on the deadline day")),
                ("overdue_every_days", models.PositiveSmallIntegerField(default=7, help_text="0: no reminder once the deadline has passed.", verbose_name="while overdue, every (days)")),
                ("digest_enabled", models.BooleanField(default=True, verbose_name="weekly digest to the secretariat")),
                ("digest_weekday", models.PositiveSmallIntegerField(default=0, help_text="Monday is 0, Sunday 6.", verbose_name="digest day")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="changed")),
                ("updated_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL, verbose_name="changed by")),
            ],
            options={"verbose_name": "reminder schedule", "verbose_name_plural": "reminder schedules"},
        ),
        migrations.AddConstraint(
            model_name="reminderschedule",
            constraint=models.CheckConstraint(condition=models.Q(("digest_weekday__lte", 6)), name="reminder_digest_weekday_0_to_6"),
        ),
        migrations.AddConstraint(
            model_name="reminderschedule",
            constraint=models.CheckConstraint(condition=models.Q(("overdue_every_days__lte", 90)), name="reminder_overdue_every_at_most_90"),
        ),
        migrations.CreateModel(
            name="DigestSent",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("week", models.DateField(verbose_name="week of")),
                ("state", models.CharField(choices=[("queued", "Queued"), ("sent", "Sent"), ("skipped", "Not needed")], default="queued", max_length=10, verbose_name="state")),
                ("queued_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="queued at")),
                ("sent_at", models.DateTimeField(blank=True, null=True, verbose_name="sent at")),
                ("waiting", models.PositiveIntegerField(blank=True, null=True, verbose_name="waiting for review")),
                ("overdue", models.PositiveIntegerField(blank=True, null=True, verbose_name="members overdue")),
                ("user", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to=settings.AUTH_USER_MODEL, verbose_name="recipient")),
            ],
            options={"verbose_name": "digest sent", "verbose_name_plural": "digests sent", "ordering": ["-queued_at", "-pk"]},
        ),
        migrations.AddConstraint(
            model_name="digestsent",
            constraint=models.UniqueConstraint(fields=("user", "week"), name="one_digest_per_user_week"),
        ),
        # Reminders: from one per kind to one per step of the schedule.
        migrations.AddField(
            model_name="remindersent",
            name="step",
            field=models.SmallIntegerField(default=0, help_text="Days from the deadline: negative before it, 0 on the day, positive after it.", verbose_name="step"),
        ),
        migrations.AddField(
            model_name="remindersent",
            name="state",
            field=models.CharField(choices=[("queued", "Queued"), ("sent", "Sent"), ("skipped", "Not needed")], default="queued", max_length=10, verbose_name="state"),
        ),
        migrations.AddField(
            model_name="remindersent",
            name="queued_at",
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name="queued at"),
        ),
        migrations.AddField(
            model_name="remindersent",
            name="note",
            field=models.CharField(blank=True, max_length=200, verbose_name="note"),
        ),
        migrations.AlterField(
            model_name="remindersent",
            name="sent_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="sent at"),
        ),
        migrations.AlterField(
            model_name="remindersent",
            name="kind",
            field=models.CharField(blank=True, max_length=10, verbose_name="kind"),
        ),
        migrations.RemoveConstraint(model_name="remindersent", name="one_reminder_per_member_period_kind"),
        migrations.RunPython(kinds_to_steps, steps_to_kinds),
        migrations.RemoveField(model_name="remindersent", name="kind"),
        migrations.AlterField(
            model_name="remindersent",
            name="step",
            field=models.SmallIntegerField(help_text="Days from the deadline: negative before it, 0 on the day, positive after it.", verbose_name="step"),
        ),
        migrations.AddConstraint(
            model_name="remindersent",
            constraint=models.UniqueConstraint(fields=("member", "period", "step"), name="one_reminder_per_member_period_step"),
        ),
        migrations.AlterModelOptions(
            name="remindersent",
            options={"ordering": ["-queued_at", "-pk"], "verbose_name": "reminder sent", "verbose_name_plural": "reminders sent"},
        ),
        migrations.AlterField(
            model_name="remindersent",
            name="actions",
            field=models.TextField(blank=True, verbose_name="actions reminded of"),
        ),
        migrations.AlterField(
            model_name="remindersent",
            name="member",
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="reminders", to="members.member", verbose_name="member"),
        ),
        migrations.AlterField(
            model_name="remindersent",
            name="period",
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="reminders", to="reporting.reportingperiod", verbose_name="period"),
        ),
        migrations.AlterField(
            model_name="remindersent",
            name="recipients",
            field=models.TextField(blank=True, verbose_name="recipients"),
        ),
        migrations.RunPython(
            lambda apps, schema_editor: apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(
                name="reminders: due and overdue"
            ).update(description="Daily: the reminders due by the schedule staff set (once per member, period and step), "
                                 "and the weekly digest to the secretariat."),
            migrations.RunPython.noop,
        ),
    ]
