import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fixboard.catalog.models import Department, ServiceType
from fixboard.places.models import Area, Jurisdiction


class Status(models.TextChoices):
    NEW = "new", _("new")
    ACKNOWLEDGED = "acknowledged", _("acknowledged")
    IN_PROGRESS = "in_progress", _("in progress")
    CLOSED = "closed", _("closed")


OPEN_STATUSES = (Status.NEW, Status.ACKNOWLEDGED, Status.IN_PROGRESS)


class CloseReason(models.TextChoices):
    FIXED = "fixed", _("fixed")
    DUPLICATE = "duplicate", _("duplicate")
    NOT_ACTIONABLE = "not_actionable", _("not actionable")
    REFERRED = "referred", _("referred")
    CANCELLED = "cancelled", _("cancelled")


class Channel(models.TextChoices):
    WEB = "web", _("web")
    PHONE = "phone", _("phone")
    SMS = "sms", _("text message")
    EMAIL = "email", _("e-mail")
    OPEN311 = "open311", _("Open311")
    STAFF = "staff", _("staff")
    IMPORT = "import", _("import")


class Contact(models.Model):
    """The private details of a person who reported, supported or followed.

    Never shown in a public page, feed, export or API response.
    """

    name = models.CharField(_("name"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), blank=True, db_index=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True, db_index=True)
    email_verified = models.BooleanField(_("e-mail verified"), default=False)
    phone_verified = models.BooleanField(_("phone verified"), default=False)
    # What the person said when asked on a call (or a form): may the city text or e-mail
    # them about their requests. Neither is assumed.
    may_text = models.BooleanField(_("may be texted"), default=False, db_default=False)
    may_email = models.BooleanField(_("may be e-mailed"), default=False, db_default=False)
    # The language of the page (or text conversation) the person last used with the city:
    # their e-mails are written in it. Empty: not known, the site's language.
    language = models.CharField(_("language"), max_length=10, blank=True, default="", db_default="")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self):
        return self.name or self.email or self.phone or f"contact {self.pk}"


# What the work queue's filters and priority score read of a request (`work.filters`,
# `reports.priority`): carried by its indexes so that ranking a queue reads no table rows.
QUEUE_COLUMNS = [
    "expected_at",
    "support_count",
    "duplicate_count",
    "priority",
    "service_type",
    "status",
    "channel",
    "assignee",
]


class ServiceRequestQuerySet(models.QuerySet):
    def public(self) -> "ServiceRequestQuerySet":
        """Requests anyone may see: the one rule every public door (pages, feeds, widget,
        Open311, REST, exports, maps, photos) uses. `ServiceRequest.is_public` says the same
        of one request."""
        return self.public_own().filter(service_type__public=True)

    def public_own(self) -> "ServiceRequestQuerySet":
        """The request's own half of `public()`: for a reader that checks the other half,
        `ServiceType.public`, in its copy of the catalog instead of joining it."""
        return self.filter(hidden=False, awaiting_confirmation=False)


class ServiceRequest(models.Model):
    """One reported problem, from report to close (an Open311 service request)."""

    # Unique through Meta.constraints: a field's unique=True would add, on PostgreSQL, a
    # second index for LIKE queries that nothing runs on public ids.
    public_id = models.CharField(_("request id"), max_length=32)
    jurisdiction = models.ForeignKey(
        Jurisdiction, on_delete=models.PROTECT, related_name="requests", db_index=False
    )
    service_type = models.ForeignKey(ServiceType, on_delete=models.PROTECT, related_name="requests")
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.NEW)
    close_reason = models.CharField(
        _("close reason"), max_length=16, choices=CloseReason, blank=True
    )
    status_notes = models.TextField(_("status notes"), blank=True)
    # The agency a request closed as `referred` was handed to (e.g. "Caltrans"): residents
    # read "referred to Caltrans", never "closed".
    referred_to = models.CharField(_("referred to"), max_length=200, blank=True, db_default="")
    description = models.TextField(_("description"), blank=True)
    attributes = models.JSONField(_("answers"), default=dict, db_default={}, blank=True)
    lat = models.FloatField(_("latitude"))
    long = models.FloatField(_("longitude"))
    address = models.CharField(_("address"), max_length=300, blank=True)
    zipcode = models.CharField(_("zip code"), max_length=20, blank=True)
    address_id = models.CharField(
        _("address id"),
        max_length=100,
        blank=True,
        default="",
        help_text=_("The id of the address in the address index or the city's register."),
    )
    areas = models.ManyToManyField(Area, through="RequestArea", related_name="requests")
    department = models.ForeignKey(
        Department,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="requests",
        db_index=False,
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_requests",
        db_index=False,
    )
    priority = models.IntegerField(_("priority"), default=0, db_default=0)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel, default=Channel.WEB)
    reporter = models.ForeignKey(
        Contact,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="requests",
        db_index=False,
    )
    reporter_name_public = models.BooleanField(
        _("show the reporter's name publicly"), default=False, db_default=False
    )
    anonymous = models.BooleanField(_("anonymous"), default=False, db_default=False)
    awaiting_confirmation = models.BooleanField(
        _("awaiting e-mail confirmation"), default=False, db_default=False
    )
    hidden = models.BooleanField(_("hidden from the public"), default=False, db_default=False)
    requested_at = models.DateTimeField(_("requested"))
    updated_at = models.DateTimeField(_("updated"))
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    expected_at = models.DateTimeField(_("expected (SLA due)"), null=True, blank=True)
    # The due time whose breach is on the timeline (fixboard.reports.sla.record_breaches):
    # equal to expected_at once recorded; a new due time (re-categorised) may breach again.
    sla_breached_at = models.DateTimeField(
        _("SLA breach recorded for"), null=True, blank=True, editable=False
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("duplicate of"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="duplicates",
        db_index=False,
    )
    media_url = models.URLField(_("media URL"), max_length=500, blank=True)
    source_id = models.CharField(_("source id"), max_length=64, blank=True)
    external_id = models.CharField(
        _("external system id"), max_length=64, blank=True, db_default=""
    )
    support_count = models.PositiveIntegerField(_("supporters"), default=0, db_default=0)
    follow_count = models.PositiveIntegerField(_("followers"), default=0, db_default=0)
    # The requests merged into this one (and into those, before): kept by `merge`, read by
    # the work queue's priority (fixboard.reports.priority).
    duplicate_count = models.PositiveIntegerField(_("merged duplicates"), default=0, db_default=0)
    # Set when a photo is attached, never unset (each may since be hidden): a read of one
    # request looks for its first visible photo only when there may be one.
    has_photos = models.BooleanField(
        _("has photos"), default=False, db_default=False, editable=False
    )
    # False for a request reported by address alone that no index knew: it stands at its
    # jurisdiction's centre until staff place it (`changes.relocate` sets it again).
    pinpointed = models.BooleanField(
        _("location pinpointed"), default=True, db_default=True, editable=False
    )

    objects = ServiceRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("service request")
        verbose_name_plural = _("service requests")
        indexes = [
            models.Index(fields=["jurisdiction", "requested_at"], name="sr_juris_requested"),
            models.Index(fields=["jurisdiction", "updated_at"], name="sr_juris_updated"),
            models.Index(
                fields=["jurisdiction", "service_type", "status", "requested_at"],
                name="sr_juris_service_status",
            ),
            # What was closed lately, and why: "fixed in the last 30 days" of a city or area.
            models.Index(
                fields=["jurisdiction", "close_reason", "closed_at"], name="sr_juris_closed"
            ),
            models.Index(fields=["lat", "long"], name="sr_lat_long"),
            # "Is it one of these?": the open requests of one type near a point, a small
            # range of a small index (most requests are closed). "Not closed" rather than
            # OPEN_STATUSES: SQLite matches a query to the condition only when its IN lists
            # are literals, whereas Django sends them as parameters.
            models.Index(
                fields=["service_type", "lat", "long"],
                condition=~Q(status=Status.CLOSED),
                name="sr_open_position",
            ),
            models.Index(fields=["department", "status"], name="sr_department_status"),
            # Open requests by due time: SLA states of the queue, and the breach job's
            # overdue requests, whose recorded breach it reads from the index itself.
            models.Index(
                fields=["expected_at", "sla_breached_at"],
                condition=~Q(status=Status.CLOSED) & Q(expected_at__isnull=False),
                name="sr_open_due",
            ),
            # The work queue: a department's (or, for admins, a jurisdiction's) open requests
            # in each order it offers, ties broken as the queue breaks them, so a page is the
            # first rows of one index. The newest-first ones carry what the filters and the
            # priority score read, so counting and ranking never visit the table: as key
            # columns after the order's, since SQLite ignores INCLUDE.
            # Small, as most requests are closed; "not closed" for SQLite's sake, as above.
            models.Index(
                fields=["department", "requested_at", "id", *QUEUE_COLUMNS],
                condition=~Q(status=Status.CLOSED),
                name="sr_open_dept_queue",
            ),
            # One service type's share of a department's queue, ranked without the rest.
            models.Index(
                fields=[
                    "department",
                    "service_type",
                    "requested_at",
                    "id",
                    *(column for column in QUEUE_COLUMNS if column != "service_type"),
                ],
                condition=~Q(status=Status.CLOSED),
                name="sr_open_dept_service",
            ),
            models.Index(
                fields=["department", "expected_at", "requested_at", "id"],
                condition=~Q(status=Status.CLOSED),
                name="sr_open_dept_due",
            ),
            models.Index(
                fields=["department", "support_count", "requested_at", "id"],
                condition=~Q(status=Status.CLOSED),
                name="sr_open_dept_supported",
            ),
            models.Index(
                fields=["jurisdiction", "requested_at", "id", *QUEUE_COLUMNS],
                condition=~Q(status=Status.CLOSED),
                name="sr_open_juris_queue",
            ),
            # Most requests have no assignee, reporter or duplicate: index only those that do,
            # so bulk imports maintain fewer index entries.
            models.Index(
                fields=["assignee"], condition=Q(assignee__isnull=False), name="sr_assignee"
            ),
            models.Index(
                fields=["reporter"], condition=Q(reporter__isnull=False), name="sr_reporter"
            ),
            models.Index(
                fields=["duplicate_of"],
                condition=Q(duplicate_of__isnull=False),
                name="sr_duplicate_of",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["public_id"], name="sr_unique_public_id"),
            models.UniqueConstraint(
                fields=["jurisdiction", "source_id"],
                condition=~Q(source_id=""),
                name="sr_unique_source_id",
            ),
            models.CheckConstraint(
                condition=Q(lat__gte=-90, lat__lte=90, long__gte=-180, long__lte=180),
                name="sr_valid_coordinates",
            ),
        ]

    def __str__(self):
        return self.public_id

    def get_absolute_url(self):
        return f"/requests/{self.public_id}/"

    @property
    def is_open(self) -> bool:
        return self.status != Status.CLOSED

    @property
    def is_public(self) -> bool:
        """Whether anyone may see this request: `ServiceRequest.objects.public()` for one."""
        return not (self.hidden or self.awaiting_confirmation) and self.service_type.public


class RequestArea(models.Model):
    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE)
    area = models.ForeignKey(Area, on_delete=models.CASCADE, db_index=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["area", "request"], name="request_area_unique")
        ]

    def __str__(self):
        return f"{self.request_id} in {self.area_id}"


class EventQuerySet(models.QuerySet):
    def public(self) -> "EventQuerySet":
        """Timeline entries anyone may see (of a public request): not internal, not hidden
        by a moderator, not a comment awaiting its author's e-mail confirmation."""
        return self.filter(public=True, hidden=False, awaiting_confirmation=False)


class Event(models.Model):
    """One entry of a request's append-only timeline."""

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", _("reported")
        IMPORTED = "imported", _("imported")
        STATUS_CHANGED = "status_changed", _("status changed")
        PUBLIC_UPDATE = "public_update", _("update")
        INTERNAL_NOTE = "internal_note", _("internal note")
        ASSIGNED = "assigned", _("assigned")
        MERGED = "merged", _("merged as a duplicate")
        DUPLICATE_ADDED = "duplicate_added", _("duplicate merged in")
        PHOTO_ADDED = "photo_added", _("photo added")
        SUPPORTED = "supported", _("supported")
        FOLLOWED = "followed", _("followed")
        EXTERNAL_SYNC = "external_sync", _("synced with external system")
        CONFIRMED = "confirmed", _("confirmed by e-mail")
        FOLLOW_REQUESTED = "follow_requested", _("asked to follow by e-mail")
        COMMENT_FLAGGED = "comment_flagged", _("comment reported")
        COMMENT_HIDDEN = "comment_hidden", _("comment hidden")
        COMMENT_RESTORED = "comment_restored", _("comment restored")
        SLA_BREACHED = "sla_breached", _("past its SLA due time")
        RECATEGORISED = "recategorised", _("service type changed")
        RELOCATED = "relocated", _("location changed")
        PRIORITY_CHANGED = "priority_changed", _("priority changed")
        CLOSE_REASON_CORRECTED = "close_reason_corrected", _("close reason corrected")
        REDACTED = "redacted", _("redacted")
        RULE_APPLIED = "rule_applied", _("automation rule applied")
        CALLER_ADDED = "caller_added", _("caller added by phone")
        COMMENT_CONFIRMED = "comment_confirmed", _("comment confirmed by e-mail")
        FIX_CONFIRMED = "fix_confirmed", _("confirmed fixed by a resident")

    request = models.ForeignKey(
        ServiceRequest, on_delete=models.CASCADE, related_name="events", db_index=False
    )
    kind = models.CharField(_("kind"), max_length=24, choices=Kind)
    public = models.BooleanField(_("public"), default=True)
    from_status = models.CharField(max_length=16, choices=Status, blank=True)
    to_status = models.CharField(max_length=16, choices=Status, blank=True)
    close_reason = models.CharField(max_length=16, choices=CloseReason, blank=True)
    text = models.TextField(_("text"), blank=True)
    data = models.JSONField(default=dict, db_default={}, blank=True)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, db_index=False
    )
    actor_contact = models.ForeignKey(
        Contact, on_delete=models.SET_NULL, null=True, blank=True, db_index=False
    )
    actor_system = models.CharField(_("system"), max_length=100, blank=True)
    external_id = models.CharField(max_length=100, blank=True)
    # A comment a moderator hid: kept for staff, gone from every public output. Who hid it and
    # why are in its comment_hidden event.
    hidden = models.BooleanField(_("hidden by a moderator"), default=False, db_default=False)
    # A resident's comment made without signing in: public once its author follows the
    # e-mailed link (`actions.confirm_comment`); until then only their browser shows it.
    awaiting_confirmation = models.BooleanField(
        _("awaiting e-mail confirmation"), default=False, db_default=False
    )
    created_at = models.DateTimeField(_("when"), db_index=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("timeline event")
        verbose_name_plural = _("timeline events")
        indexes = [
            models.Index(fields=["request", "created_at"], name="event_request_time"),
            models.Index(
                fields=["actor_user"],
                condition=Q(actor_user__isnull=False),
                name="event_actor_user",
            ),
            models.Index(
                fields=["actor_contact"],
                condition=Q(actor_contact__isnull=False),
                name="event_actor_contact",
            ),
            # Closes as fixed, by time: the "has this been fixed?" job's window
            # (fixboard.notify.fixed_checks).
            models.Index(
                fields=["created_at"],
                condition=Q(kind="status_changed", close_reason="fixed"),
                name="event_fixed_closes",
            ),
        ]

    def __str__(self):
        return f"{self.request_id} {self.kind} {self.created_at:%Y-%m-%d %H:%M}"


class Comment(Event):
    """A public update (a resident's comment or the city's), as moderators list them."""

    class Meta:
        proxy = True
        verbose_name = _("comment")
        verbose_name_plural = _("comments")


def photo_path(photo: "Photo", filename: str) -> str:
    """A random name: the uploaded file's name (often the reporter's own words) never shows in
    a photo's URL, nor can one photo's URL lead to another."""
    key = secrets.token_hex(16)
    return f"photos/{key[:2]}/{key}.jpg"


class PhotoQuerySet(models.QuerySet):
    def visible(self) -> "PhotoQuerySet":
        """Photos anyone may see of a request they may see: not hidden themselves, and not
        of an internal note or a hidden comment."""
        return self.filter(
            Q(hidden=False)
            & (
                Q(event__isnull=True)
                | Q(event__public=True, event__hidden=False, event__awaiting_confirmation=False)
            )
        )

    def public(self) -> "PhotoQuerySet":
        """Photos anyone may see: visible, of a public request."""
        return self.visible().filter(request__in=ServiceRequest.objects.public())


class Photo(models.Model):
    """A picture of the problem, re-encoded with no metadata, stored under a random name."""

    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="photos")
    event = models.ForeignKey(
        Event, on_delete=models.SET_NULL, null=True, blank=True, related_name="photos"
    )
    image = models.ImageField(upload_to=photo_path, width_field="width", height_field="height")
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    taken_lat = models.FloatField(null=True, blank=True)
    taken_long = models.FloatField(null=True, blank=True)
    hidden = models.BooleanField(_("hidden from the public"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PhotoQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        # Serving a photo finds it by its file's name.
        indexes = [models.Index(fields=["image"], name="photo_image")]

    def __str__(self):
        return self.image.name


class Support(models.Model):
    """A "me too" on a request: once per signed-in user, contact, or else client address."""

    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="supports")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True
    )
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, null=True, blank=True)
    # A keyed hash of the client's address (fixboard.core.limits.anonymous_key), never the
    # address itself: a new cookie must not make a new person.
    client_key = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["request", "user"], condition=Q(user__isnull=False), name="support_user"
            ),
            models.UniqueConstraint(
                fields=["request", "contact"],
                condition=Q(contact__isnull=False),
                name="support_contact",
            ),
            models.UniqueConstraint(
                fields=["request", "client_key"],
                condition=~Q(client_key=""),
                name="support_client",
            ),
        ]

    def __str__(self):
        return f"support of {self.request_id}"


class Follow(models.Model):
    """Someone who wants to hear about a request's changes."""

    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="follows")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True
    )
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, null=True, blank=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["request", "user"], condition=Q(user__isnull=False), name="follow_user"
            ),
            models.UniqueConstraint(
                fields=["request", "contact"],
                condition=Q(contact__isnull=False),
                name="follow_contact",
            ),
        ]

    def __str__(self):
        return f"follow of {self.request_id}"


class CommentFlag(models.Model):
    """A resident's "report this comment": once per signed-in user, or else client address."""

    comment = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="flags")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True
    )
    # A keyed hash of the client's address (fixboard.core.limits.anonymous_key), never the
    # address itself: a new cookie must not make a new person.
    client_key = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("comment report")
        verbose_name_plural = _("comment reports")
        constraints = [
            models.UniqueConstraint(
                fields=["comment", "user"], condition=Q(user__isnull=False), name="flag_user"
            ),
            models.UniqueConstraint(
                fields=["comment", "client_key"],
                condition=~Q(client_key=""),
                name="flag_client",
            ),
        ]

    def __str__(self):
        return f"report of comment {self.comment_id}"


class SubmissionClaim(models.Model):
    """A caller's claim on an idempotency key: the request its first POST made, and the answer.

    `scope` names the caller ("client:7", "user:3", "session:<key>"); `key` is
    "key:<Idempotency-Key>", or a door's own key such as Open311's "fp:<parameter hash>";
    `fingerprint` hashes what was sent, so the same key with another body is refused.
    `answer` is what the door answered, replayed to retries until `expires_at`.
    """

    scope = models.CharField(max_length=100)
    key = models.CharField(max_length=300)
    fingerprint = models.CharField(max_length=64)
    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="+")
    answer = models.JSONField(default=dict)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("idempotency claim")
        verbose_name_plural = _("idempotency claims")
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="claim_unique_scope_key"),
        ]

    def __str__(self):
        return f"{self.scope} {self.key}"


class AutomationCheck(models.Model):
    """The automation rules of one trigger were (or are to be) tried on a request: once.

    A submission's check is written by the task that tries the rules; an overdue one inside
    the breach's own transaction, pending until the task is done, so the worker's reconcile
    finds any whose task was lost (fixboard.reports.automation).
    """

    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="+")
    trigger = models.CharField(max_length=16)
    created_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("automation check")
        verbose_name_plural = _("automation checks")
        constraints = [
            models.UniqueConstraint(fields=["request", "trigger"], name="automation_check_once")
        ]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=Q(done_at__isnull=True),
                name="automation_check_pending",
            )
        ]

    def __str__(self):
        return f"{self.trigger} rules on {self.request_id}"


class RuleFiring(models.Model):
    """An automation rule acted on a request: at most once per request and trigger."""

    rule = models.ForeignKey(
        "catalog.AutomationRule", on_delete=models.SET_NULL, null=True, related_name="firings"
    )
    # The rule's name then, and its id: kept when the rule is deleted.
    rule_name = models.CharField(max_length=90)
    rule_key = models.PositiveIntegerField()
    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="+")
    trigger = models.CharField(max_length=16)
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("automation rule firing")
        verbose_name_plural = _("automation rule firings")
        constraints = [
            models.UniqueConstraint(
                fields=["rule_key", "request", "trigger"], name="rule_fires_once"
            )
        ]

    def __str__(self):
        return f"{self.rule_name} on {self.request_id}"


class FixAnswer(models.Model):
    """A reporter's or follower's answer to "Has this been fixed?" after a close as fixed:
    one per person and close (`actions.answer_fixed_check`). Counted on the request page."""

    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="+")
    # The close as fixed asked about: a later close asks again.
    close_event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="+")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    fixed = models.BooleanField(_("fixed"))
    created_at = models.DateTimeField(_("when"))

    class Meta:
        verbose_name = _('answer to "has this been fixed?"')
        verbose_name_plural = _('answers to "has this been fixed?"')
        constraints = [
            models.UniqueConstraint(fields=["close_event", "contact"], name="fix_answer_once")
        ]
        indexes = [models.Index(fields=["request", "created_at"], name="fix_answer_request")]

    def __str__(self):
        return f"{'fixed' if self.fixed else 'not fixed'} for {self.request_id}"
