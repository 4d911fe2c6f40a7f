from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fixboard.catalog.models import ServiceType
from fixboard.notify.models import TextMessage
from fixboard.places.models import Jurisdiction
from fixboard.reports.models import ServiceRequest


class Conversation(models.Model):
    """A resident reporting a problem by text, one question and answer at a time.

    Kept in the database, not in a process: each text may reach another web worker. One
    number has at most one open conversation (the constraint), locked while a text is read.
    """

    class State(models.TextChoices):
        DESCRIBE = "describe", _("asked what is wrong")
        PLACE = "place", _("asked where")
        TYPE = "type", _("asked what kind of problem")
        QUESTION = "question", _("asked the service type's questions")
        CONFIRM = "confirm", _("asked to confirm")
        SUBMITTED = "submitted", _("request made")
        CANCELLED = "cancelled", _("cancelled")
        EXPIRED = "expired", _("abandoned")

    OPEN = (State.DESCRIBE, State.PLACE, State.TYPE, State.QUESTION, State.CONFIRM)

    phone = models.CharField(_("phone"), max_length=16)  # E.164
    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.CASCADE, related_name="+")
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    state = models.CharField(_("state"), max_length=10, choices=State)
    description = models.TextField(_("description"), blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    lat = models.FloatField(null=True, blank=True)
    long = models.FloatField(null=True, blank=True)
    service_type = models.ForeignKey(
        ServiceType, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    attributes = models.JSONField(default=dict, blank=True)
    # What a numbered menu offered ([service type ids] or [answer keys]): "2" means the second.
    menu = models.JSONField(default=list, blank=True)
    request = models.ForeignKey(
        ServiceRequest, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    started_at = models.DateTimeField(_("started"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last text"), db_index=True)

    class Meta:
        verbose_name = _("report by text")
        verbose_name_plural = _("reports by text")
        constraints = [
            models.UniqueConstraint(
                fields=["phone"],
                condition=Q(state__in=["describe", "place", "type", "question", "confirm"]),
                name="conversation_one_open_per_phone",
            )
        ]

    def __str__(self):
        return f"{self.phone}: {self.state}"


class Deflection(models.Model):
    """A caller on hold who pressed the key for a text with a link to report online and
    left the queue: a call the call center did not have to take."""

    jurisdiction = models.ForeignKey(
        Jurisdiction, on_delete=models.CASCADE, related_name="+", verbose_name=_("jurisdiction")
    )
    call_sid = models.CharField(_("provider's call id"), max_length=64, unique=True)
    phone = models.CharField(_("phone"), max_length=16)  # E.164; private, staff only
    # The city's number the caller dialled (E.164): a city may run several lines.
    line = models.CharField(_("number called"), max_length=16, blank=True)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    text = models.ForeignKey(
        TextMessage, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("call sent online")
        verbose_name_plural = _("calls sent online")
        indexes = [
            models.Index(fields=["jurisdiction", "created_at"], name="deflection_jurisdiction_time")
        ]

    def __str__(self):
        return f"{self.call_sid} ({self.created_at:%Y-%m-%d %H:%M})"
