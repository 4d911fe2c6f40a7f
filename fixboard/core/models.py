from django.db import models
from django.utils.translation import gettext_lazy as _


class Counter(models.Model):
    """One rate-limit counter of the database store (fixboard.core.counters)."""

    key = models.CharField(max_length=250, primary_key=True)
    count = models.BigIntegerField()
    expires = models.DateTimeField(db_index=True)

    def __str__(self):
        return self.key


class ConfigurationVersion(models.Model):
    """One row whose number every configuration change raises, in that change's transaction,
    so every process can tell its copy of the configuration is out of date (core.snapshots)."""

    version = models.BigIntegerField(default=0)

    def __str__(self):
        return f"configuration version {self.version}"


class Outbox(models.Model):
    """What every outbox row (an e-mail, a text, a CRM send, a webhook delivery) has: a task
    sends it under a lease and retries it with backoff until it is sent or given up
    (fixboard.core.outbox)."""

    class State(models.TextChoices):
        PENDING = "pending", _("pending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")
        # Withdrawn before it went out (a moderator hid the comment, the number said STOP).
        CANCELLED = "cancelled", _("cancelled")

    state = models.CharField(max_length=10, choices=State, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # While a worker sends it: no other may until then (after, its worker is taken for dead).
    lease_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
