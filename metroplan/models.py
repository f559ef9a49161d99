"""The core layer's one table: the transactional outbox (see metroplan.outbox)."""

from django.db import models
from django.db.models import Q
from django.utils import timezone


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
