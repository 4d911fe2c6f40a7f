from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fixboard.catalog.models import Department, ServiceType
from fixboard.core.models import Outbox
from fixboard.places.models import Area, Jurisdiction
from fixboard.reports.models import Event, ServiceRequest


class SignInToken(models.Model):
    """A magic sign-in link sent to an e-mail address: expiring and usable once.

    The link carries a signature of this row (django.core.signing), so no secret is stored.
    """

    email = models.EmailField(_("e-mail"), db_index=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("sign-in link")
        verbose_name_plural = _("sign-in links")

    def __str__(self):
        return f"sign-in link for {self.email}"


class WatchArea(models.Model):
    """Someone who wants a daily digest of new requests in an area or a drawn rectangle."""

    email = models.EmailField(_("e-mail"), db_index=True)
    jurisdiction = models.ForeignKey(
        Jurisdiction, on_delete=models.CASCADE, related_name="watch_areas"
    )
    area = models.ForeignKey(
        Area, verbose_name=_("area"), on_delete=models.CASCADE, null=True, blank=True
    )
    min_lat = models.FloatField(null=True, blank=True)
    min_long = models.FloatField(null=True, blank=True)
    max_lat = models.FloatField(null=True, blank=True)
    max_long = models.FloatField(null=True, blank=True)
    service_type = models.ForeignKey(
        ServiceType,
        verbose_name=_("only this kind of problem"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
    )
    language = models.CharField(_("language"), max_length=10, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    active = models.BooleanField(default=True)
    # The digest covers requests made after this moment; it moves forward with each digest.
    covered_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("watch area")
        verbose_name_plural = _("watch areas")
        constraints = [
            models.CheckConstraint(
                condition=Q(area__isnull=False)
                | Q(
                    min_lat__isnull=False,
                    min_long__isnull=False,
                    max_lat__isnull=False,
                    max_long__isnull=False,
                ),
                name="watch_area_or_bbox",
            )
        ]
        indexes = [models.Index(fields=["active", "confirmed_at"], name="watch_due")]

    def __str__(self):
        return f"{self.email} watching {self.describe()}"

    def describe(self) -> str:
        if self.area_id:
            return self.area.name
        return _("the rectangle %(s).4f, %(w).4f – %(n).4f, %(e).4f") % {
            "s": self.min_lat,
            "w": self.min_long,
            "n": self.max_lat,
            "e": self.max_long,
        }


class Unsubscribe(models.Model):
    """An address that asked for no more e-mails about one request (or about any request)."""

    email = models.EmailField(_("e-mail"))
    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["email", "request"],
                condition=Q(request__isnull=False),
                name="unsubscribe_request",
            ),
            models.UniqueConstraint(
                fields=["email"], condition=Q(request__isnull=True), name="unsubscribe_all"
            ),
        ]

    def __str__(self):
        return f"{self.email} unsubscribed from {self.request_id or 'all'}"


class Delivery(Outbox):
    """One e-mail to one address: the outbox row a task sends and retries until it is sent."""

    class Kind(models.TextChoices):
        UPDATE = "update", _("request update")
        CONFIRMATION = "confirmation", _("report confirmation")
        WATCH_CONFIRMATION = "watch_confirmation", _("watch area confirmation")
        DIGEST = "digest", _("watch area digest")
        SIGN_IN = "sign_in", _("sign-in link")
        FOLLOW_CONFIRMATION = "follow_confirmation", _("follow confirmation")
        SLA_BREACH = "sla_breach", _("SLA breach, to the department's managers")
        DEPARTMENT_NOTICE = "department_notice", _("new request for a department")
        DEPARTMENT_DIGEST = "department_digest", _("department digest")
        ESCALATION = "escalation", _("escalation to a manager")
        COMMENT_CONFIRMATION = "comment_confirmation", _("comment confirmation")
        FIXED_CHECK = "fixed_check", _("has this been fixed?")
        REQUEST_RECEIVED = "request_received", _("request received (id for a caller)")

    kind = models.CharField(max_length=24, choices=Kind)
    email = models.EmailField()
    event = models.ForeignKey(Event, on_delete=models.CASCADE, null=True, blank=True)
    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, null=True, blank=True)
    watch = models.ForeignKey(WatchArea, on_delete=models.CASCADE, null=True, blank=True)
    sign_in = models.ForeignKey(SignInToken, on_delete=models.CASCADE, null=True, blank=True)
    # The department told of new requests (department notices and digests).
    department = models.ForeignKey(
        Department, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    request_ids = models.JSONField(default=list, blank=True)
    # The close a "has this been fixed?" e-mail asks about.
    fixed_check = models.ForeignKey(
        "FixedCheck", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    # The language of the page that asked for this e-mail; empty means the site's language.
    language = models.CharField(max_length=10, blank=True)

    class Meta:
        verbose_name = _("e-mail delivery")
        verbose_name_plural = _("e-mail deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["event", "email"], condition=Q(event__isnull=False), name="delivery_once"
            )
        ]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="delivery_due")]

    def __str__(self):
        return f"{self.kind} to {self.email} ({self.state})"


class TextMessage(Outbox):
    """One text message (SMS) to one phone number: the outbox row a task sends and retries."""

    class Kind(models.TextChoices):
        REPORT_ONLINE = "report_online", _("link to report online")
        TRACK_ONLINE = "track_online", _("link to track a request online")
        REQUEST_ID = "request_id", _("request id")
        ANSWER = "answer", _("answer to a question")
        STATUS_CHANGE = "status_change", _("status change of a request")

    phone = models.CharField(_("phone"), max_length=16)  # E.164
    body = models.TextField(_("text"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind)
    # Kept when its request is deleted: a text sent is money spent and a record of a call.
    request = models.ForeignKey(
        ServiceRequest, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    jurisdiction = models.ForeignKey(
        Jurisdiction, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    language = models.CharField(_("language"), max_length=10, blank=True)
    # When an attempt whose outcome is unknown began (the provider was asked and did not
    # answer in time, or its worker died): the next one asks the provider before sending.
    attempt_started_at = models.DateTimeField(null=True, blank=True)
    provider_id = models.CharField(_("provider's message id"), max_length=64, blank=True)
    # What the provider last said of it after taking it (its status callback): "delivered",
    # "undelivered"…; `state` says only whether the provider took it.
    delivery_status = models.CharField(_("delivery"), max_length=16, blank=True)

    class Meta:
        verbose_name = _("text message")
        verbose_name_plural = _("text messages")
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="text_due"),
            models.Index(fields=["phone", "created_at"], name="text_phone"),
            models.Index(
                fields=["provider_id"], condition=~Q(provider_id=""), name="text_provider_id"
            ),
        ]

    def __str__(self):
        return f"{self.kind} to {self.phone} ({self.state})"


class TextOptOut(models.Model):
    """A phone number that asked for no more text messages (STOP) from a city, or from
    every city (no jurisdiction), until it says START (fixboard.notify.optouts)."""

    class Source(models.TextChoices):
        STOP = "stop", _("STOP by text")
        CARRIER = "carrier", _("unsubscribed at the provider")
        STAFF = "staff", _("staff, at the person's request")

    phone = models.CharField(_("phone"), max_length=16, db_index=True)  # E.164
    jurisdiction = models.ForeignKey(
        Jurisdiction,
        verbose_name=_("city"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        help_text=_("The city whose texts stop; empty: every city's."),
    )
    source = models.CharField(_("source"), max_length=10, choices=Source)
    created_at = models.DateTimeField(_("since"), auto_now_add=True)

    class Meta:
        verbose_name = _("text opt-out")
        verbose_name_plural = _("text opt-outs")
        constraints = [
            models.UniqueConstraint(
                fields=["phone", "jurisdiction"],
                condition=Q(jurisdiction__isnull=False),
                name="text_opt_out_per_city",
                violation_error_message=_("This number already gets no texts from this city."),
            ),
            models.UniqueConstraint(
                fields=["phone"],
                condition=Q(jurisdiction__isnull=True),
                name="text_opt_out_everywhere",
                violation_error_message=_("This number already gets no texts from any city."),
            ),
        ]

    def __str__(self):
        if self.jurisdiction_id:
            return f"{self.phone} asked for no texts from {self.jurisdiction}"
        return f"{self.phone} asked for no texts"


class DigestRun(models.Model):
    """One row per day the scheduled digest ran, so only one scheduled chain survives."""

    day = models.DateField(unique=True)
    started_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("digest run")
        verbose_name_plural = _("digest runs")

    def __str__(self):
        return f"digests of {self.day}"


class DepartmentNotice(models.Model):
    """A department was told (or, by its choice, not told) of a request routed to it: once
    per request and department, whichever task or worker gets there first.

    `mode` is the department's choice then; a digest's notices wait (`digested_at` empty)
    until the next digest of their department lists them.
    """

    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="+")
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="+")
    event = models.ForeignKey(Event, on_delete=models.SET_NULL, null=True, related_name="+")
    mode = models.CharField(max_length=16, choices=Department.Notice)
    created_at = models.DateTimeField(auto_now_add=True)
    digested_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("department notice")
        verbose_name_plural = _("department notices")
        constraints = [
            models.UniqueConstraint(fields=["request", "department"], name="department_notice_once")
        ]
        indexes = [
            models.Index(
                fields=["department", "created_at"],
                condition=Q(digested_at__isnull=True, mode__in=("hourly", "daily")),
                name="department_notice_waiting",
            )
        ]

    def __str__(self):
        return f"{self.department_id} told of {self.request_id}"


class DepartmentSubscription(models.Model):
    """A member of a department who wants its notices at their own e-mail address too."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="department_notices"
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.CASCADE,
        related_name="subscriptions",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("department notice subscription")
        verbose_name_plural = _("department notice subscriptions")
        constraints = [
            models.UniqueConstraint(fields=["user", "department"], name="department_subscription")
        ]

    def __str__(self):
        return f"{self.user_id} hears of {self.department_id}"


class DepartmentDigestRun(models.Model):
    """One row per hour the scheduled department digests ran: one scheduled chain survives."""

    hour = models.DateTimeField(unique=True)
    started_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("department digest run")
        verbose_name_plural = _("department digest runs")

    def __str__(self):
        return f"department digests of {self.hour:%Y-%m-%d %H:00}"


class FixedCheck(models.Model):
    """The question "Has this been fixed?" was asked about one close as fixed: once,
    whichever worker gets there first (fixboard.notify.fixed_checks). Its e-mails are
    written with it."""

    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="+")
    close_event = models.OneToOneField(Event, on_delete=models.CASCADE, related_name="+")
    recipients = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("fixed check")
        verbose_name_plural = _("fixed checks")

    def __str__(self):
        return f"fixed check of {self.request_id}"
