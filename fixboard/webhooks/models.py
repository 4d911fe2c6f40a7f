import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from fixboard.catalog.models import ServiceType
from fixboard.core.models import Outbox
from fixboard.places.models import Area, Jurisdiction
from fixboard.reports.models import Event


class Subscription(models.Model):
    """An integrator's endpoint that receives a jurisdiction's public request events,
    signed with the subscription's secret (docs/webhooks.md)."""

    class Kind(models.TextChoices):
        CREATED = "created", _("request created")
        STATUS_CHANGED = "status_changed", _("status changed")
        UPDATED = "updated", _("request updated")

    jurisdiction = models.ForeignKey(
        Jurisdiction, on_delete=models.CASCADE, related_name="webhook_subscriptions"
    )
    name = models.CharField(_("name"), max_length=100)
    target_url = models.URLField(_("target URL"), max_length=500)
    kinds = models.JSONField(_("events"), default=list)
    service_types = models.ManyToManyField(
        ServiceType,
        verbose_name=_("only these kinds of problem"),
        blank=True,
        help_text=_("None: every kind of problem."),
    )
    areas = models.ManyToManyField(
        Area, verbose_name=_("only in these areas"), blank=True, help_text=_("None: everywhere.")
    )
    # A secret: signs every delivery; shown once when made, never again in full.
    secret = models.CharField(_("signing secret"), max_length=100, editable=False)
    max_attempts = models.PositiveSmallIntegerField(_("attempts before giving up"), default=8)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")

    def __str__(self):
        return self.name


class WebhookDelivery(Outbox):
    """One event for one subscription: sent by a task under a lease, retried with backoff,
    given up ("dead letter", state failed) after the subscription's attempts."""

    subscription = models.ForeignKey(
        Subscription, on_delete=models.PROTECT, related_name="deliveries"
    )
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="webhook_deliveries")
    kind = models.CharField(_("event"), max_length=20, choices=Subscription.Kind)
    # Sent as the Fixboard-Delivery header: the same on every retry, for receivers to drop replays.
    delivery_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # What the request looked like when the event happened, frozen for every retry.
    payload = models.JSONField()
    last_status = models.PositiveSmallIntegerField(_("last HTTP status"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            models.UniqueConstraint(fields=["subscription", "event"], name="webhook_once")
        ]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="webhook_due")]

    def __str__(self):
        return f"{self.kind} → {self.subscription_id}"
