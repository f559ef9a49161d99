"""Progress reporting: periods, members' progress updates with indicator values
and evidence, period reopenings, and generated reports."""

from pathlib import PurePosixPath

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from actions.disaggregation import PART_NAMES
from actions.models import Action
from metroplan.files import private_name, private_storage
from reporting.querysets import (
    CommentaryQuerySet,
    DigestSentQuerySet,
    FiguresVersionQuerySet,
    PartOfUpdateQuerySet,
    PeriodReopeningQuerySet,
    ProgressUpdateQuerySet,
    ReminderScheduleQuerySet,
    ReminderSentQuerySet,
    ReportingPeriodQuerySet,
    ReportQuerySet,
)


class ReportingPeriod(models.Model):
    """A reporting period of a plan ("2022-Q3").

    The deadline decides whether an update is on time or late; it locks nothing.
    A closed period takes no new submissions unless staff reopen it for a member.
    """

    plan = models.ForeignKey("actions.Plan", verbose_name=_("plan"), on_delete=models.CASCADE, related_name="periods")
    code = models.CharField(_("code"), max_length=20)
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))
    deadline = models.DateField(_("submission deadline"))
    is_open = models.BooleanField(_("open"), default=True)
    # Grows by one on every change through reporting.period_services.period_update (conflict-safe writes).
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    modified = models.DateTimeField(_("modified"), auto_now=True, db_index=True, editable=False)

    objects = ReportingPeriodQuerySet.as_manager()

    class Meta:
        ordering = ["start"]
        verbose_name = _("reporting period")
        verbose_name_plural = _("reporting periods")
        constraints = [
            models.UniqueConstraint(fields=["plan", "code"], name="period_code_unique_in_plan"),
            models.CheckConstraint(condition=Q(end__gte=F("start")), name="period_end_after_start"),
            models.CheckConstraint(condition=Q(deadline__gte=F("end")), name="period_deadline_after_end"),
        ]
        indexes = [
            # Lists of updates sort newest period first: with this index PostgreSQL
            # reads the newest periods' updates and sorts only those (incremental sort).
            models.Index(fields=["plan", "-start"], name="period_plan_start_idx"),
        ]

    def __str__(self) -> str:
        return self.code


class PeriodReopening(models.Model):
    """A member's request to report late in a closed period, and staff's answer.

    While granted and not past `until`, the member may submit in the period.
    """

    class State(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        GRANTED = "granted", _("Granted")
        REFUSED = "refused", _("Refused")

    period = models.ForeignKey(ReportingPeriod, verbose_name=_("period"),
                               on_delete=models.CASCADE, related_name="reopenings")
    member = models.ForeignKey("members.Member", verbose_name=_("member"),
                               on_delete=models.CASCADE, related_name="reopenings")
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.REQUESTED)
    reason = models.TextField(_("reason"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"),
        null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    until = models.DateField(_("open until"), null=True, blank=True)

    objects = PeriodReopeningQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("period reopening")
        verbose_name_plural = _("period reopenings")
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="granted") | Q(until__isnull=False), name="reopening_granted_has_until"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.period}: {self.get_state_display()}"


class ProgressUpdate(models.Model):
    """A member's progress report on one action for one period (at most one).

    Workflow: draft → submitted → approved, or submitted → returned → submitted.
    Transitions happen only through reporting.services, which record who and when
    and bump `version` so that a stale save is refused.
    """

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        RETURNED = "returned", _("Returned")
        APPROVED = "approved", _("Approved")

    member = models.ForeignKey("members.Member", verbose_name=_("member"),
                               on_delete=models.PROTECT, related_name="updates")
    action = models.ForeignKey("actions.Action", verbose_name=_("action"),
                               on_delete=models.PROTECT, related_name="updates")
    period = models.ForeignKey(ReportingPeriod, verbose_name=_("period"),
                               on_delete=models.PROTECT, related_name="updates")
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT)
    status = models.CharField(
        _("self-assessed status"), max_length=20, choices=Action.Status.choices, blank=True
    )
    narrative = models.TextField(_("narrative"), blank=True)
    no_change = models.BooleanField(_("no change since last period"), default=False)
    reviewer_comment = models.TextField(_("reviewer's comment"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)
    modified = models.DateTimeField(_("modified"), auto_now=True, db_index=True)
    first_submitted_at = models.DateTimeField(_("first submitted"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("submitted by"),
        null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reviewed by"),
        null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    is_demo = models.BooleanField(_("demo data"), default=False)

    history = HistoricalRecords()
    objects = ProgressUpdateQuerySet.as_manager()

    class Meta:
        ordering = ["-period__start", "member__name", "action__code"]
        verbose_name = _("progress update")
        verbose_name_plural = _("progress updates")
        indexes = [
            # Progress reads an action's approved updates of one period.
            models.Index(fields=["action", "period", "state"], name="update_action_period_state"),
            # The latest approved updates, newest review first.
            models.Index(fields=["state", "reviewed_at"], name="update_state_reviewed"),
            # The review queue: how many wait and the oldest first (staff's home and the review page).
            models.Index(fields=["state", "submitted_at", "id"], name="update_state_submitted"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["member", "action", "period"], name="one_update_per_member_action_period"),
            models.CheckConstraint(
                condition=Q(state="draft") | Q(first_submitted_at__isnull=False),
                name="update_submitted_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(state="returned") | ~Q(reviewer_comment=""), name="update_returned_has_comment"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.action.code} · {self.period.code}"


class IndicatorValue(models.Model):
    """A number for one indicator in one update, or "not available" with a reason.

    Never free text in a number's place: the database refuses a row that is
    both or neither.
    """

    update = models.ForeignKey(ProgressUpdate, verbose_name=_("update"),
                               on_delete=models.CASCADE, related_name="values")
    indicator = models.ForeignKey("actions.Indicator", verbose_name=_("indicator"),
                                  on_delete=models.PROTECT, related_name="values")
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=2, null=True, blank=True)
    # A ratio indicator's parts, as given; `value` is their quotient (actions/measures.py).
    numerator = models.DecimalField(_("numerator"), max_digits=14, decimal_places=2, null=True, blank=True)
    denominator = models.DecimalField(_("denominator"), max_digits=14, decimal_places=2, null=True, blank=True)
    not_available = models.BooleanField(_("not available"), default=False)
    not_available_reason = models.CharField(_("why not available"), max_length=500, blank=True)
    # The parts of the value its indicator asks for (actions/disaggregation.py); empty when not asked or not given.
    women = models.DecimalField(_("women"), max_digits=14, decimal_places=2, null=True, blank=True)
    men = models.DecimalField(_("men"), max_digits=14, decimal_places=2, null=True, blank=True)
    sex_other = models.DecimalField(_("other or not stated"), max_digits=14, decimal_places=2, null=True, blank=True)
    youth = models.DecimalField(_("youth (under 30)"), max_digits=14, decimal_places=2, null=True, blank=True)
    age_other = models.DecimalField(_("other ages"), max_digits=14, decimal_places=2, null=True, blank=True)

    history = HistoricalRecords()

    objects = PartOfUpdateQuerySet.as_manager()

    class Meta:
        ordering = ["indicator__order", "indicator__code"]
        verbose_name = _("indicator value")
        verbose_name_plural = _("indicator values")
        constraints = [
            models.UniqueConstraint(fields=["update", "indicator"], name="one_value_per_update_indicator"),
            models.CheckConstraint(
                condition=(Q(value__isnull=False, not_available=False))
                | (Q(value__isnull=True, not_available=True) & ~Q(not_available_reason="")),
                name="value_is_number_or_not_available_with_reason",
            ),
            models.CheckConstraint(
                condition=Q(value__isnull=False)
                | Q(women__isnull=True, men__isnull=True, sex_other__isnull=True, youth__isnull=True,
                    age_other__isnull=True),
                name="value_parts_need_a_total",
            ),
            models.CheckConstraint(
                condition=Q(numerator__isnull=True, denominator__isnull=True)
                | (Q(numerator__isnull=False, denominator__isnull=False) & ~Q(denominator=0)),
                name="value_ratio_parts_both_denominator_not_zero",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code}: {'n/a' if self.not_available else self.value}"

    @property
    def parts(self) -> dict:
        """{part: number or None} for every part a value can carry."""
        return {name: getattr(self, name) for name in PART_NAMES}


class ApprovedIndicatorValue(models.Model):
    """The figures engine's input: one row per approved indicator value (per
    indicator, member and period), with its approval time, so the engine reads
    what it shows from one table instead of joining every update ever written.

    Written only by reporting/figures/approved.py (`refresh`), in the
    transaction of each save or delete of an update or a value (the approval,
    update_approve, included) and by bulk loaders explicitly; a row goes with
    its value or update (CASCADE). The period's plan and end are read from the
    period (a small table), so editing a period needs no upkeep here.
    """

    source = models.OneToOneField(IndicatorValue, on_delete=models.CASCADE, related_name="approved")
    update = models.ForeignKey(ProgressUpdate, on_delete=models.CASCADE, related_name="+")
    indicator = models.ForeignKey("actions.Indicator", on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="+")
    period = models.ForeignKey(ReportingPeriod, on_delete=models.CASCADE, related_name="+")
    approved_at = models.DateTimeField(null=True)  # the update's reviewed_at
    value = models.DecimalField(max_digits=14, decimal_places=2, null=True)
    numerator = models.DecimalField(max_digits=14, decimal_places=2, null=True)
    denominator = models.DecimalField(max_digits=14, decimal_places=2, null=True)
    not_available_reason = models.CharField(max_length=500, blank=True)
    women = models.DecimalField(max_digits=14, decimal_places=2, null=True)
    men = models.DecimalField(max_digits=14, decimal_places=2, null=True)
    sex_other = models.DecimalField(max_digits=14, decimal_places=2, null=True)
    youth = models.DecimalField(max_digits=14, decimal_places=2, null=True)
    age_other = models.DecimalField(max_digits=14, decimal_places=2, null=True)

    objects = PartOfUpdateQuerySet.as_manager()

    class Meta:
        verbose_name = _("approved indicator value")
        verbose_name_plural = _("approved indicator values")
        constraints = [
            models.UniqueConstraint(fields=["indicator", "member", "period"], name="one_approved_value_per_slot"),
        ]
        indexes = [
            # The engine reads a plan's periods' rows: by period, then the indicator.
            models.Index(fields=["period", "indicator"], name="approved_value_period_ind"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id}/{self.member_id}/{self.period_id}: {self.value}"


def evidence_upload_to(instance: "Evidence", filename: str) -> str:
    """A random name in the private storage (the name given is kept in `file_name`)."""
    return private_name("evidence", filename)


def report_upload_to(instance: "Report", filename: str) -> str:
    """A random name in the private storage (downloads are named after the report)."""
    return private_name("reports", filename)


class Evidence(models.Model):
    """A file or a link that backs an update."""

    update = models.ForeignKey(ProgressUpdate, verbose_name=_("update"),
                               on_delete=models.CASCADE, related_name="evidence")
    title = models.CharField(_("title"), max_length=200, blank=True)
    file = models.FileField(_("file"), upload_to=evidence_upload_to, storage=private_storage, blank=True)
    # The file's name as uploaded, for Content-Disposition (the stored name is random).
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    url = models.URLField(_("link"), blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("added by"),
                                 null=True, on_delete=models.SET_NULL, related_name="+")
    added_at = models.DateTimeField(_("added at"), auto_now_add=True)

    history = HistoricalRecords()

    objects = PartOfUpdateQuerySet.as_manager()

    class Meta:
        ordering = ["added_at"]
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        constraints = [
            models.CheckConstraint(
                condition=(Q(file="") & ~Q(url="")) | (~Q(file="") & Q(url="")), name="evidence_file_or_link"
            ),
        ]

    def __str__(self) -> str:
        return self.title or self.url or self.download_name

    @property
    def download_name(self) -> str:
        """The name a download of the file is saved as: the one it was uploaded with."""
        return self.file_name or PurePosixPath(self.file.name or "").name


class Report(models.Model):
    """A periodic progress report: a frozen snapshot of the figures, built in the
    background and rendered to HTML, PDF, XLSX and CSV.

    One report per plan, kind and period (or month); a correction is a new
    report that points at the one it corrects and says why.
    """

    class Kind(models.TextChoices):
        PERIOD = "period", _("Period close")
        MONTHLY = "monthly", _("Monthly")
        ON_DEMAND = "on_demand", _("On demand")

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    plan = models.ForeignKey("actions.Plan", verbose_name=_("plan"), on_delete=models.PROTECT, related_name="reports")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    period = models.ForeignKey(ReportingPeriod, verbose_name=_("period"),
                               on_delete=models.PROTECT, related_name="reports")
    as_of = models.DateField(_("as of"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.QUEUED)
    failure_reason = models.TextField(_("failure reason"), blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    snapshot = models.JSONField(_("snapshot"), null=True, blank=True, editable=False)
    html = models.TextField(blank=True, editable=False)
    pdf = models.FileField(upload_to=report_upload_to, storage=private_storage, blank=True)
    xlsx = models.FileField(upload_to=report_upload_to, storage=private_storage, blank=True)
    csv = models.FileField(upload_to=report_upload_to, storage=private_storage, blank=True)
    corrects = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections",
        verbose_name=_("corrects"),
    )
    correction_note = models.TextField(_("what changed and why"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"),
        null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)
    queued_at = models.DateTimeField(
        _("queued at"), default=timezone.now, help_text=_("When the build was last put on the task queue.")
    )
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    # A running build touches this every few seconds; silence means its worker was lost.
    heartbeat_at = models.DateTimeField(_("heartbeat at"), null=True, blank=True, editable=False)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    notified_at = models.DateTimeField(_("staff told"), null=True, blank=True)
    modified = models.DateTimeField(_("modified"), auto_now=True, db_index=True, editable=False)

    objects = ReportQuerySet.as_manager()

    class Meta:
        ordering = ["-created"]
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "kind", "period", "as_of"],
                condition=Q(corrects__isnull=True),
                name="one_report_per_plan_kind_period",
            ),
            models.CheckConstraint(
                condition=Q(corrects__isnull=True) | ~Q(correction_note=""), name="correction_says_why"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan.code} {self.get_kind_display()} {self.period.code} ({self.as_of})"


def default_days_before() -> list[int]:
    return [14, 3]


class ReminderSchedule(models.Model):
    """When focal points are reminded of updates not yet submitted, and on
    which weekday staff get their digest: the site's one schedule, set by staff
    (reporting.reminders.reminder_schedule gives it, with these defaults until
    they change it).

    Steps are days from a period's deadline: each of `days_before` before it,
    the deadline day itself, then every `overdue_every_days` after it while the
    update is missing and the period open (0: no reminder once overdue).
    """

    days_before = models.JSONField(
        _("days before the deadline"), default=default_days_before,
        help_text=_("A reminder this many days before each deadline."),
    )
    on_deadline_day = models.BooleanField(_("on the deadline day"), default=True)
    overdue_every_days = models.PositiveSmallIntegerField(
        _("while overdue, every (days)"), default=7, help_text=_("0: no reminder once the deadline has passed."),
    )
    digest_enabled = models.BooleanField(_("weekly digest to the secretariat"), default=True)
    digest_weekday = models.PositiveSmallIntegerField(
        _("digest day"), default=0, help_text=_("Monday is 0, Sunday 6."),
    )
    updated_at = models.DateTimeField(_("changed"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("changed by"),
    )

    objects = ReminderScheduleQuerySet.as_manager()

    class Meta:
        verbose_name = _("reminder schedule")
        verbose_name_plural = _("reminder schedules")
        constraints = [
            models.CheckConstraint(condition=Q(digest_weekday__lte=6), name="reminder_digest_weekday_0_to_6"),
            models.CheckConstraint(condition=Q(overdue_every_days__lte=90), name="reminder_overdue_every_at_most_90"),
        ]

    def __str__(self) -> str:
        return str(self._meta.verbose_name)


class SendState(models.TextChoices):
    """Where a reminder or a digest stands: queued on the outbox, sent, or not
    needed once its time came (say why in the row)."""

    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    SKIPPED = "skipped", _("Not needed")


class ReminderSent(models.Model):
    """A reminder to a member's focal points about one period's deadline, at
    one step of the schedule (`step`: days from the deadline, negative before
    it). At most one per (member, period, step): the row is claimed in the
    transaction that writes its e-mail to the outbox, so a second run of the
    daily job (or two at once) never sends a step twice. The e-mail is
    rendered when it is sent, in each recipient's language, with the actions
    still missing then."""

    State = SendState

    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="reminders",
                               verbose_name=_("member"))
    period = models.ForeignKey(ReportingPeriod, on_delete=models.CASCADE, related_name="reminders",
                               verbose_name=_("period"))
    step = models.SmallIntegerField(
        _("step"), help_text=_("Days from the deadline: negative before it, 0 on the day, positive after it."),
    )
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.QUEUED)
    queued_at = models.DateTimeField(_("queued at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    recipients = models.TextField(_("recipients"), blank=True)
    actions = models.TextField(_("actions reminded of"), blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = ReminderSentQuerySet.as_manager()

    class Meta:
        ordering = ["-queued_at", "-pk"]
        verbose_name = _("reminder sent")
        verbose_name_plural = _("reminders sent")
        constraints = [
            models.UniqueConstraint(fields=["member", "period", "step"], name="one_reminder_per_member_period_step"),
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.period} ({self.step:+d})"


class DigestSent(models.Model):
    """The weekly digest e-mailed to one secretariat member: what waits for
    review and who is overdue. At most one per person and week (`week`: its
    Monday), held by the database like the reminders."""

    State = SendState

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+",
                             verbose_name=_("recipient"))
    week = models.DateField(_("week of"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.QUEUED)
    queued_at = models.DateTimeField(_("queued at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    waiting = models.PositiveIntegerField(_("waiting for review"), null=True, blank=True)
    overdue = models.PositiveIntegerField(_("members overdue"), null=True, blank=True)

    objects = DigestSentQuerySet.as_manager()

    class Meta:
        ordering = ["-queued_at", "-pk"]
        verbose_name = _("digest sent")
        verbose_name_plural = _("digests sent")
        constraints = [
            models.UniqueConstraint(fields=["user", "week"], name="one_digest_per_user_week"),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.week}"


class Commentary(models.Model):
    """The secretariat's analysis note on one goal or one action for one
    period: at most one per (goal, period) and per (action, period), edited
    through reporting.commentary_services (every version kept in its history).
    It is shown on the goal's or action's page and printed in that period's
    report under "The secretariat's commentary"."""

    period = models.ForeignKey(
        ReportingPeriod, on_delete=models.CASCADE, related_name="commentaries", verbose_name=_("period")
    )
    goal = models.ForeignKey(
        "actions.Goal", null=True, blank=True, on_delete=models.CASCADE, related_name="commentaries",
        verbose_name=_("goal"),
    )
    action = models.ForeignKey(
        "actions.Action", null=True, blank=True, on_delete=models.CASCADE, related_name="commentaries",
        verbose_name=_("action"),
    )
    text = models.TextField(_("commentary"), blank=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("changed by"),
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords()
    objects = CommentaryQuerySet.as_manager()

    class Meta:
        ordering = ["-period__start"]
        verbose_name = _("secretariat's commentary")
        verbose_name_plural = _("secretariat's commentaries")
        constraints = [
            models.CheckConstraint(
                condition=(Q(goal__isnull=False) & Q(action__isnull=True))
                | (Q(goal__isnull=True) & Q(action__isnull=False)),
                name="commentary_on_a_goal_or_an_action",
            ),
            models.UniqueConstraint(
                fields=["goal", "period"], condition=Q(goal__isnull=False), name="one_commentary_per_goal_period"
            ),
            models.UniqueConstraint(
                fields=["action", "period"], condition=Q(action__isnull=False),
                name="one_commentary_per_action_period",
            ),
        ]

    def __str__(self) -> str:
        subject = self.goal or self.action
        return f"{subject} {self.period}"


class FiguresVersion(models.Model):
    """The token of the data the figures engine computes from; replaced in the
    transaction of every change to one of its inputs (reporting/figures/)."""

    token = models.CharField(max_length=32)

    objects = FiguresVersionQuerySet.as_manager()

    class Meta:
        verbose_name = _("figures version")
        verbose_name_plural = _("figures versions")

    def __str__(self) -> str:
        return self.token


class OpenDataPackageQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The open-data package holds public data only: whoever may use the
        API (or the staff page) may have it."""
        return self


class OpenDataPackage(models.Model):
    """The open-data package (a zip of CSVs and a Frictionless datapackage.json,
    reporting.open_data) for one state of the public data, named by `key`: built
    once in the background, kept until the data changes."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    key = models.CharField(max_length=100, unique=True, help_text="The change feed's position and the figures version.")
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    file = models.FileField(storage=private_storage, blank=True, max_length=200)
    created = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    failure_reason = models.TextField(blank=True)

    objects = OpenDataPackageQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("open-data package")
        verbose_name_plural = _("open-data packages")

    def __str__(self) -> str:
        return f"open data {self.key} ({self.state})"
