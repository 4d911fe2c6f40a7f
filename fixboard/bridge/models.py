from django.db import models
from django.utils.translation import gettext_lazy as _

from fixboard.catalog.models import CrmEndpoint
from fixboard.core.models import Outbox
from fixboard.reports.models import ServiceRequest


class CrmSend(Outbox):
    """A request to create in a city's CRM: sent by a task under a lease, retried with
    backoff, given up ("dead letter", state failed) after the endpoint's attempts."""

    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="crm_sends")
    endpoint = models.ForeignKey(CrmEndpoint, on_delete=models.PROTECT, related_name="sends")
    # The CRM's answer to a POST for a batch service: polled until it names the request.
    token = models.CharField(_("token"), max_length=200, blank=True)
    external_id = models.CharField(_("id in the CRM"), max_length=64, blank=True)
    # Set while an attempt's outcome is unknown (a timeout, a dead worker): the next one
    # looks the request up in the CRM before posting it again.
    attempt_started_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("send to a CRM")
        verbose_name_plural = _("sends to a CRM")
        constraints = [
            models.UniqueConstraint(fields=["request", "endpoint"], name="crm_send_once")
        ]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="crm_send_due"),
            models.Index(fields=["endpoint", "external_id"], name="crm_send_external"),
        ]

    def __str__(self):
        return f"{self.request_id} → {self.endpoint_id}"


class CrmPoll(models.Model):
    """Where the polling of one endpoint stands: its high-water mark and its lease."""

    endpoint = models.OneToOneField(CrmEndpoint, on_delete=models.CASCADE, related_name="polling")
    # The latest updated_datetime read from the CRM; the next poll reads from a little before.
    high_water = models.DateTimeField(null=True, blank=True)
    next_poll_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    applied = models.PositiveIntegerField(_("updates applied"), default=0)

    class Meta:
        verbose_name = _("CRM polling")
        verbose_name_plural = _("CRM polling")

    def __str__(self):
        return f"polling of {self.endpoint_id}"
