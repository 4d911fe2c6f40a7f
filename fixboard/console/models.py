from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fixboard.catalog.models import CallTopic, ServiceType
from fixboard.places.models import Jurisdiction
from fixboard.reports.models import Contact, ServiceRequest


class Outcome(models.TextChoices):
    NEW_REQUEST = "new_request", _("new request")
    ADDED_TO_EXISTING = "added_to_existing", _("added to an existing request")
    STATUS_GIVEN = "status_given", _("status given")
    INFORMATIONAL = "informational", _("informational")
    ABANDONED = "abandoned", _("abandoned")


class Call(models.Model):
    """One phone call taken on the console: who called, what they were told or what was
    filed, and how long it took (start → wrap-up: the handle time).

    While the call is on, it also holds what the call-taker has found so far (the place,
    the service type): the console is one page that any step may reload.
    """

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.CASCADE, related_name="+")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="calls"
    )
    contact = models.ForeignKey(
        Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="calls"
    )
    phone = models.CharField(_("phone as given"), max_length=40, blank=True)
    started_at = models.DateTimeField(_("started"))
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome, blank=True)
    topic = models.ForeignKey(
        CallTopic, on_delete=models.SET_NULL, null=True, blank=True, related_name="calls"
    )
    request = models.ForeignKey(
        ServiceRequest,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    notes = models.TextField(_("notes"), blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    zipcode = models.CharField(_("zip code"), max_length=20, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    long = models.FloatField(_("longitude"), null=True, blank=True)
    service_type = models.ForeignKey(
        ServiceType, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        indexes = [
            models.Index(fields=["agent", "started_at"], name="call_agent_started"),
            models.Index(fields=["jurisdiction", "started_at"], name="call_juris_started"),
            models.Index(
                fields=["request"], condition=Q(request__isnull=False), name="call_request"
            ),
        ]

    def __str__(self):
        return f"call {self.pk} at {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def is_on(self) -> bool:
        return self.ended_at is None

    @property
    def handle_seconds(self) -> int | None:
        if self.ended_at is None:
            return None
        return round((self.ended_at - self.started_at).total_seconds())
