"""The core layer's tables: the transactional outbox (metroplan.outbox), the
record of changes integrators sync from (metroplan.changes) and the webhooks
that push those changes (metroplan.webhooks)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboxMessage(models.Model):
    """A task for the Celery broker, written in the transaction of the change
    that causes it and relayed once that transaction has committed.

    pending → sent (published) → running (claimed by a worker) → done; a run
    that fails goes back to sent for its retry, and to failed after
    MAX_ATTEMPTS. Only the claim (a conditional update) lets a task run, so a
    message published twice runs once.
    """

    class State(models.TextChoices):
        PENDING = "pending", "pending"
        SENT = "sent", "sent"
        RUNNING = "running", "running"
        DONE = "done", "done"
        FAILED = "failed", "failed"

    task = models.CharField(max_length=200, help_text="The Celery task's registered name.")
    kwargs = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True, help_text="When it was last published to the broker.")
    claimed_at = models.DateTimeField(null=True, blank=True, help_text="When a worker last claimed it.")
    done_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0, help_text="How many runs claimed it.")
    last_error = models.TextField(blank=True)
    request_id = models.CharField(
        max_length=128, blank=True, help_text="The request that caused it: its task logs under this id."
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=["pending", "sent", "running", "done", "failed"]),
                name="outbox_state_is_known",
            ),
        ]
        indexes = [
            # The relay reads only the unfinished rows; the partial index stays small.
            models.Index(
                fields=["state", "id"], name="outbox_unfinished",
                condition=Q(state__in=["pending", "sent", "running"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task} {self.kwargs} ({self.state})"


class ChangeQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Staff see every change; a member's focal points see the changes
        everyone sees and their own member's (its drafts included); anyone
        else signed in sees the changes everyone sees. Who could see the object
        is decided when the change is recorded (`audience`, from the model's
        visibility rule), so that a draft never shows, even after its update is
        approved."""
        from metroplan.permissions import is_secretariat, member_of

        if is_secretariat(user):
            return self
        if user is None or not user.is_authenticated:
            return self.none()
        own = member_of(user)
        if own is not None:
            return self.filter(Q(public=True) | Q(member_id=own.pk))
        return self.filter(public=True)


class Change(models.Model):
    """One create, update, delete or workflow transition of an object that
    integrators sync (plans, goals, actions, indicators, members, periods,
    updates, reports), written in the transaction of the change itself: a
    change that rolls back leaves no row, and one that commits always has one.

    `id` is the feed's sequence: rows are numbered under a lock held until
    their transaction commits (metroplan.changes), so ids grow in commit order
    and a reader that has seen id N never later meets a smaller one.
    """

    class Kind(models.TextChoices):
        CREATED = "created", "created"
        UPDATED = "updated", "updated"
        TRANSITION = "transition", "transition"
        DELETED = "deleted", "deleted"
        # The object left the sight of those who saw it (an approved update
        # reopened): for them, as good as deleted.
        WITHDRAWN = "withdrawn", "withdrawn"

    id = models.BigAutoField(primary_key=True)
    at = models.DateTimeField(default=timezone.now)
    object_type = models.CharField(max_length=40, help_text="The API resource: plan, goal, update, ...")
    object_id = models.BigIntegerField(help_text="The row's primary key.")
    object_key = models.CharField(max_length=200, help_text="How the API names it: a code, a slug or an id.")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    changed_fields = models.JSONField(default=list, blank=True)
    transition = models.JSONField(null=True, blank=True, help_text='{"field", "from", "to"} for a transition.')
    state = models.JSONField(null=True, blank=True, help_text="The object after the change; null once deleted.")
    # Who may see it (decided when recorded): everyone who reads the API, or
    # only staff and this member's focal points (member_id), or only staff.
    public = models.BooleanField(default=False)
    member_id = models.BigIntegerField(null=True, blank=True)

    objects = ChangeQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["created", "updated", "transition", "deleted", "withdrawn"]),
                name="change_kind_is_known",
            ),
        ]
        indexes = [
            # A page of the feed for a reader who is not staff: keyset on id within their audience.
            models.Index(fields=["public", "id"], name="change_public_seq"),
            models.Index(fields=["member_id", "id"], name="change_member_seq"),
            models.Index(fields=["object_type", "object_id", "id"], name="change_object_seq"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.kind} {self.object_type} {self.object_key}"


class StaffOnlyQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Webhooks, their secrets and their deliveries: staff's."""
        from metroplan.permissions import is_secretariat

        return self if is_secretariat(user) else self.none()


class Webhook(models.Model):
    """A receiver that staff registered: every change of the chosen event types
    is POSTed to `url` as JSON, signed with `secret` (metroplan.webhooks)."""

    url = models.URLField(_("URL"), max_length=500, help_text=_("http or https; where each change is POSTed."))
    event_types = models.JSONField(
        _("event types"), default=list, blank=True,
        help_text=_('Such as "update.transition" or "goal.*"; every event when empty.'),
    )
    secret = models.CharField(
        _("secret"), max_length=200, help_text=_("Shared with the receiver, which checks each delivery's signature.")
    )
    include_private = models.BooleanField(
        _("include what only staff see"), default=False,
        help_text=_("Also send drafts, submissions under review and reports being built; otherwise only what every "
                    "API reader sees."),
    )
    active = models.BooleanField(_("active"), default=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("created by"),
    )

    objects = StaffOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")

    def __str__(self) -> str:
        return self.url

    def clean(self) -> None:
        """An http(s) URL at a public address, and event types the feed has."""
        from metroplan.webhooks import validate_event_types, validate_url

        validate_url(self.url)
        validate_event_types(self.event_types)


class WebhookDelivery(models.Model):
    """One change sent (or being sent) to one webhook: the delivery log.

    pending (tries, then waits `next_attempt_at`) → delivered, or failed once
    retries have run for a day. Replaying puts a delivery back to pending.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries",
                                verbose_name=_("webhook"))
    change = models.ForeignKey(Change, on_delete=models.CASCADE, related_name="+", verbose_name=_("change"))
    event = models.CharField(_("event"), max_length=60)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    created = models.DateTimeField(_("created"), default=timezone.now)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    last_status = models.PositiveIntegerField(_("last HTTP status"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)

    objects = StaffOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            models.UniqueConstraint(fields=["webhook", "change"], name="one_delivery_per_webhook_change"),
            models.CheckConstraint(
                condition=Q(state__in=["pending", "delivered", "failed"]), name="webhook_delivery_state_is_known"
            ),
        ]
        indexes = [
            models.Index(fields=["next_attempt_at"], name="webhook_delivery_due",
                         condition=Q(state="pending")),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.webhook} ({self.state})"
