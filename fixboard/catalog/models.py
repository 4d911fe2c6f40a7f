from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from fixboard.places.models import Area, Jurisdiction


class Notice(models.TextChoices):
    """How a department hears of the requests routed to it."""

    NONE = "none", _("not by e-mail")
    IMMEDIATE = "immediate", _("an e-mail per request, at once")
    HOURLY = "hourly", _("an hourly digest")
    DAILY = "daily", _("a daily digest")


class Department(models.Model):
    """A city department that works requests (Open311 `agency_responsible`)."""

    Notice = Notice

    jurisdiction = models.ForeignKey(
        Jurisdiction, on_delete=models.CASCADE, related_name="departments"
    )
    code = models.SlugField(_("code"), max_length=64)
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("e-mail"), blank=True)
    active = models.BooleanField(_("active"), default=True)
    notice = models.CharField(
        _("tell the department of new requests"),
        max_length=16,
        choices=Notice,
        default=Notice.NONE,
        db_default=Notice.NONE,
        help_text=_(
            "Sent to the department's e-mail and to its members who asked for it, "
            "linking to the request's work view."
        ),
    )
    notice_hour = models.PositiveSmallIntegerField(
        _("daily digest hour"),
        default=8,
        db_default=8,
        validators=[MaxValueValidator(23)],
        help_text=_("For a daily digest: the hour (0–23) in the jurisdiction's time zone."),
    )

    class Meta:
        ordering = ["jurisdiction", "name"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "code"], name="department_unique_code")
        ]

    def __str__(self):
        return self.name


class SlaUnit(models.TextChoices):
    BUSINESS_HOURS = "business_hours", _("business hours")
    BUSINESS_DAYS = "business_days", _("business days")
    CALENDAR_HOURS = "calendar_hours", _("calendar hours")
    CALENDAR_DAYS = "calendar_days", _("calendar days")


class Severity(models.IntegerChoices):
    """How serious a kind of problem is: one of the weights of the work queue's priority
    (fixboard.reports.priority)."""

    LOW = 0, _("low")
    NORMAL = 1, _("normal")
    HIGH = 2, _("high")
    CRITICAL = 3, _("critical")


class ServiceType(models.Model):
    """A kind of problem residents can report (an Open311 service)."""

    class Type(models.TextChoices):
        REALTIME = "realtime", _("realtime: answers with the request id")
        BATCH = "batch", _("batch: answers with a token resolved later")
        BLACKBOX = "blackbox", _("blackbox: no follow-up is published")

    jurisdiction = models.ForeignKey(
        Jurisdiction, on_delete=models.CASCADE, related_name="service_types"
    )
    code = models.SlugField(_("service code"), max_length=100)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    group = models.CharField(_("group"), max_length=200, blank=True)
    keywords = models.CharField(
        _("keywords"), max_length=500, blank=True, help_text=_("Comma-separated search words.")
    )
    type = models.CharField(_("type"), max_length=16, choices=Type, default=Type.REALTIME)
    active = models.BooleanField(_("active"), default=True)
    public = models.BooleanField(
        _("public"),
        default=True,
        help_text=_("Private service types are hidden from residents and open data."),
    )
    default_department = models.ForeignKey(
        Department,
        verbose_name=_("default department"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="service_types",
    )
    sla_value = models.PositiveIntegerField(
        _("SLA target"),
        null=True,
        blank=True,
        help_text=_(
            "Time to close, in the unit below; the expected date of each request is set "
            "from it. Empty: no target."
        ),
    )
    sla_unit = models.CharField(
        _("SLA unit"),
        max_length=16,
        choices=SlaUnit,
        default=SlaUnit.CALENDAR_HOURS,
        db_default=SlaUnit.CALENDAR_HOURS,
        help_text=_(
            "Business time counts only the working hours of the jurisdiction's calendar "
            "(calendar time where it has none). Business days: due at the end of the Nth "
            "working day after the day of the report."
        ),
    )
    severity = models.PositiveSmallIntegerField(
        _("severity"),
        choices=Severity,
        default=Severity.NORMAL,
        db_default=Severity.NORMAL,
        help_text=_("Raises or lowers these requests in the departments' work queues."),
    )
    notice = models.TextField(
        _("notice to reporters"),
        blank=True,
        help_text=_(
            "What happens next, shown when a request is made and on each request "
            "(Open311 service_notice), e.g. Collected on your next pickup day."
        ),
    )
    requires_confirmation = models.BooleanField(
        _("requires e-mail confirmation"),
        default=True,
        help_text=_("Reports from unverified e-mail addresses go live once confirmed."),
    )
    after_photo_required = models.BooleanField(
        _("after-photo required"),
        default=False,
        db_default=False,
        help_text=_("Staff closing a request as fixed must add a photo of the work done."),
    )
    call_script = models.TextField(
        _("call script"),
        blank=True,
        db_default="",
        help_text=_(
            "What the 311 call-taker reads or asks on a call about this service, "
            "e.g. which items are collected and what to leave out."
        ),
    )

    class Meta:
        ordering = ["jurisdiction", "group", "name"]
        verbose_name = _("service type")
        verbose_name_plural = _("service types")
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "code"], name="service_type_unique_code"
            )
        ]

    def __str__(self):
        return self.name

    def describe_sla(self) -> str:
        """The target in words, e.g. "3 business days"; empty without one."""
        if not self.sla_value:
            return ""
        return f"{self.sla_value} {SlaUnit(self.sla_unit).label}"


class AttributeDefinition(models.Model):
    """A question asked about a service type (an Open311 attribute)."""

    class Datatype(models.TextChoices):
        STRING = "string", _("short text")
        NUMBER = "number", _("number")
        DATETIME = "datetime", _("date and time")
        TEXT = "text", _("long text")
        SINGLEVALUELIST = "singlevaluelist", _("one choice from a list")
        MULTIVALUELIST = "multivaluelist", _("several choices from a list")

    service_type = models.ForeignKey(
        ServiceType, on_delete=models.CASCADE, related_name="attributes"
    )
    code = models.SlugField(_("code"), max_length=100)
    description = models.CharField(_("question"), max_length=500)
    datatype = models.CharField(_("datatype"), max_length=16, choices=Datatype)
    datatype_description = models.CharField(_("answer hint"), max_length=300, blank=True)
    required = models.BooleanField(_("required"), default=False)
    variable = models.BooleanField(
        _("asked of the resident"),
        default=True,
        help_text=_("Off for informational notices that take no answer."),
    )
    order = models.PositiveIntegerField(_("order"), default=1)
    values = models.JSONField(
        _("allowed values"),
        default=list,
        blank=True,
        help_text=_('For lists: [{"key": "sofa", "name": "Sofa"}, …]'),
    )
    # What a number question accepts (Open311's `number` says no more than "a number").
    whole_number = models.BooleanField(
        _("whole numbers only"), default=False, db_default=False, help_text=_("For numbers.")
    )
    minimum = models.FloatField(
        _("smallest answer"), null=True, blank=True, help_text=_("For numbers; empty: any.")
    )
    maximum = models.FloatField(
        _("largest answer"), null=True, blank=True, help_text=_("For numbers; empty: any.")
    )

    class Meta:
        ordering = ["service_type", "order", "id"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        constraints = [
            models.UniqueConstraint(fields=["service_type", "code"], name="attribute_unique_code")
        ]

    def __str__(self):
        return self.description

    @property
    def value_keys(self) -> list[str]:
        return [str(v["key"]) for v in self.values]


class RoutingRule(models.Model):
    """Sends a service type, in an area, to a department other than its default."""

    jurisdiction = models.ForeignKey(
        Jurisdiction, on_delete=models.CASCADE, related_name="routing_rules"
    )
    service_type = models.ForeignKey(
        ServiceType,
        verbose_name=_("service type"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        help_text=_("Empty: every service type."),
    )
    area = models.ForeignKey(
        Area,
        verbose_name=_("area"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        help_text=_("Empty: the whole jurisdiction."),
    )
    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.CASCADE
    )
    order = models.PositiveIntegerField(
        _("order"), default=100, help_text=_("Lower numbers are tried first.")
    )
    crm_endpoint = models.ForeignKey(
        "CrmEndpoint",
        verbose_name=_("forward to the city's CRM"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="routing_rules",
        help_text=_("Empty: Fixboard only. Set: each request it routes is also sent there."),
    )

    class Meta:
        ordering = ["jurisdiction", "order", "id"]
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")

    def __str__(self):
        return f"{self.service_type or '*'} in {self.area or '*'} → {self.department}"


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class BusinessCalendar(models.Model):
    """When a jurisdiction works: the hours of each weekday in its time zone, less public
    holidays (from the `holidays` library) and days closed by hand, plus extra working days.

    SLA targets in business time count only these hours; a jurisdiction without a calendar
    counts calendar time. Hours are written "08:00-12:00, 13:00-17:00"; empty is closed.
    """

    jurisdiction = models.OneToOneField(
        Jurisdiction,
        verbose_name=_("jurisdiction"),
        on_delete=models.CASCADE,
        related_name="business_calendar",
    )
    country = models.CharField(
        _("public holidays of (country)"),
        max_length=3,
        blank=True,
        help_text=_("ISO country code, e.g. US, CA, GB. Empty: no public holidays."),
    )
    subdivision = models.CharField(
        _("state or province"),
        max_length=10,
        blank=True,
        help_text=_("Adds its own holidays, e.g. CA for California with country US."),
    )
    monday = models.CharField(_("Monday"), max_length=100, blank=True, default="08:00-17:00")
    tuesday = models.CharField(_("Tuesday"), max_length=100, blank=True, default="08:00-17:00")
    wednesday = models.CharField(_("Wednesday"), max_length=100, blank=True, default="08:00-17:00")
    thursday = models.CharField(_("Thursday"), max_length=100, blank=True, default="08:00-17:00")
    friday = models.CharField(_("Friday"), max_length=100, blank=True, default="08:00-17:00")
    saturday = models.CharField(_("Saturday"), max_length=100, blank=True)
    sunday = models.CharField(_("Sunday"), max_length=100, blank=True)

    class Meta:
        ordering = ["jurisdiction"]
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")

    def __str__(self):
        return _("Business calendar of %(j)s") % {"j": self.jurisdiction}


class CalendarException(models.Model):
    """A day that differs from the calendar's rule: closed (a holiday added by hand), or a
    working day (an extra one, or a public holiday the city works)."""

    class Kind(models.TextChoices):
        CLOSED = "closed", _("closed")
        OPEN = "open", _("working day")

    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.CASCADE, related_name="exceptions"
    )
    day = models.DateField(_("day"))
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind, default=Kind.CLOSED)
    hours = models.CharField(
        _("hours"),
        max_length=100,
        blank=True,
        help_text=_(
            "For a working day: e.g. 08:00-17:00. Empty: the hours of the first weekday "
            "that has any."
        ),
    )

    class Meta:
        ordering = ["calendar", "day"]
        verbose_name = _("holiday or extra working day")
        verbose_name_plural = _("holidays and extra working days added by hand")
        constraints = [
            models.UniqueConstraint(fields=["calendar", "day"], name="calendar_exception_day")
        ]

    def __str__(self):
        return f"{self.day}: {self.name}"


class CallTopic(models.Model):
    """A question callers ask that needs no request ("When is bulky pick-up?"): its answer
    is what the call-taker reads or sends, and informational calls are logged under it."""

    jurisdiction = models.ForeignKey(
        Jurisdiction, on_delete=models.CASCADE, related_name="call_topics"
    )
    name = models.CharField(_("topic"), max_length=120)
    answer = models.TextField(
        _("answer"), help_text=_("Short enough to read out on the phone or send as a text.")
    )
    active = models.BooleanField(_("active"), default=True)
    order = models.PositiveIntegerField(
        _("order"), default=100, help_text=_("Lower numbers are listed first.")
    )

    class Meta:
        ordering = ["jurisdiction", "order", "name", "id"]
        verbose_name = _("call topic")
        verbose_name_plural = _("call topics")
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "name"], name="call_topic_unique_name")
        ]

    def __str__(self):
        return self.name


class CannedResponse(models.Model):
    """A ready-made public update or internal note staff pick on a request's work view.

    Its text may name the request's fields in braces ({id}, {service}, …: see
    `fixboard.catalog.canned.PLACEHOLDERS`), filled in when it is used.
    """

    jurisdiction = models.ForeignKey(
        Jurisdiction, on_delete=models.CASCADE, related_name="canned_responses"
    )
    service_type = models.ForeignKey(
        ServiceType,
        verbose_name=_("service type"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="canned_responses",
        help_text=_("Empty: offered for every service type."),
    )
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text"))
    public = models.BooleanField(
        _("public update"),
        default=True,
        help_text=_("Off: offered as an internal note, which residents never see."),
    )
    active = models.BooleanField(_("active"), default=True)
    order = models.PositiveIntegerField(
        _("order"), default=100, help_text=_("Lower numbers are listed first.")
    )

    class Meta:
        ordering = ["jurisdiction", "order", "title", "id"]
        verbose_name = _("canned response")
        verbose_name_plural = _("canned responses")
        indexes = [
            models.Index(fields=["jurisdiction", "active", "order"], name="canned_jurisdiction"),
        ]

    def __str__(self):
        return self.title


# The channels a request can come in by (reports.models.Channel, which this layer may not
# import; tests/catalog/test_rules.py keeps the two lists the same).
CHANNELS = (
    ("web", _("web")),
    ("phone", _("phone")),
    ("sms", _("text message")),
    ("email", _("e-mail")),
    ("open311", _("Open311")),
    ("staff", _("staff")),
    ("import", _("import")),
)


class AutomationRule(models.Model):
    """What to do by itself with a request when it is submitted or becomes overdue.

    The rules of a jurisdiction are tried in `order`; each that matches (every condition
    set holds) acts through the domain functions and is logged on the request's timeline
    (fixboard.reports.automation).
    """

    class Trigger(models.TextChoices):
        SUBMITTED = "submitted", _("when a request is submitted")
        OVERDUE = "overdue", _("when a request becomes overdue")

    jurisdiction = models.ForeignKey(
        Jurisdiction, on_delete=models.CASCADE, related_name="automation_rules"
    )
    name = models.CharField(
        _("name"), max_length=90, help_text=_("Shown on the timeline of each request it acts on.")
    )
    order = models.PositiveIntegerField(
        _("order"), default=100, help_text=_("Lower numbers are tried first.")
    )
    active = models.BooleanField(_("active"), default=True)
    trigger = models.CharField(_("when"), max_length=16, choices=Trigger, default=Trigger.SUBMITTED)
    # Conditions: empty means any.
    service_type = models.ForeignKey(
        ServiceType,
        verbose_name=_("service type"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty: every service type."),
    )
    area = models.ForeignKey(
        Area,
        verbose_name=_("area"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty: the whole jurisdiction."),
    )
    channel = models.CharField(
        _("channel"),
        max_length=16,
        choices=CHANNELS,
        blank=True,
        help_text=_("Empty: whichever way it came in."),
    )
    # Actions.
    assign_department = models.ForeignKey(
        Department,
        verbose_name=_("assign to department"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    assign_person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assign to person"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    acknowledge = models.BooleanField(
        _("acknowledge"),
        default=False,
        help_text=_("Mark a new request acknowledged, with the message below."),
    )
    canned_response = models.ForeignKey(
        CannedResponse,
        verbose_name=_("message"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_(
            "A canned response, its placeholders filled in from the request: a public one is "
            "shown on the request's page and e-mailed to the reporter and followers (the "
            "acknowledgement's message); an internal one is added as a note for staff."
        ),
    )
    escalate = models.BooleanField(
        _("escalate"),
        default=False,
        help_text=_(
            "Raise the priority, assign the request to its department's manager and "
            "e-mail the department's managers."
        ),
    )
    priority_raise = models.PositiveSmallIntegerField(
        _("raise priority by"),
        default=0,
        validators=[MaxValueValidator(5)],
        help_text=_("Added to the request's staff priority (up to its highest, urgent)."),
    )
    stop = models.BooleanField(
        _("stop after this rule"),
        default=False,
        help_text=_("When this rule acts, the rules after it are not tried."),
    )

    class Meta:
        ordering = ["jurisdiction", "trigger", "order", "id"]
        verbose_name = _("automation rule")
        verbose_name_plural = _("automation rules")

    def __str__(self):
        return self.name


class PhoneLine(models.Model):
    """A number of the city's that residents call or text: texts and calls to it are the
    jurisdiction's (fixboard.channels)."""

    jurisdiction = models.ForeignKey(
        Jurisdiction, on_delete=models.CASCADE, related_name="phone_lines"
    )
    number = models.CharField(
        _("number"), max_length=16, unique=True, help_text=_("As the provider writes it: +1…")
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["jurisdiction", "number"]
        verbose_name = _("phone line")
        verbose_name_plural = _("phone lines")

    def __str__(self):
        return self.number


class HoldMessage(models.Model):
    """What callers waiting in the call center's queue hear, in one language: the offer of
    a text with a link to report online, and the key that asks for it."""

    jurisdiction = models.ForeignKey(
        Jurisdiction, on_delete=models.CASCADE, related_name="hold_messages"
    )
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    digit = models.PositiveSmallIntegerField(
        _("key"),
        validators=[MinValueValidator(1), MaxValueValidator(9)],
        help_text=_("The key callers press to get the text in this language."),
    )
    text = models.TextField(
        _("message"),
        help_text=_("Read to callers on hold; name the key, e.g. “Press 1 to get a text…”."),
    )
    active = models.BooleanField(_("active"), default=True)
    order = models.PositiveIntegerField(
        _("order"), default=100, help_text=_("Lower numbers are played first.")
    )

    class Meta:
        ordering = ["jurisdiction", "order", "digit"]
        verbose_name = _("on-hold message")
        verbose_name_plural = _("on-hold messages")
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "language"], name="hold_message_one_per_language"
            ),
            models.UniqueConstraint(
                fields=["jurisdiction", "digit"], name="hold_message_one_per_key"
            ),
        ]

    def __str__(self):
        return f"{self.get_language_display()}: {self.digit}"


class CrmEndpoint(models.Model):
    """A city's existing 311 CRM, spoken to as an Open311 server (fixboard.bridge)."""

    class Format(models.TextChoices):
        JSON = "json", "JSON"
        XML = "xml", "XML"

    class Poll(models.TextChoices):
        NONE = "none", _("never: the CRM pushes its updates")
        UPDATES = "updates", _("GET servicerequestupdates for a window")
        REQUESTS = "requests", _("GET requests updated after the last poll")

    jurisdiction = models.ForeignKey(
        Jurisdiction, on_delete=models.CASCADE, related_name="crm_endpoints"
    )
    name = models.CharField(_("name"), max_length=100)
    base_url = models.URLField(
        _("base URL"),
        max_length=500,
        help_text=_("Where its Open311 resources are, e.g. https://crm.example.gov/open311/v2"),
    )
    remote_jurisdiction_id = models.CharField(_("its jurisdiction_id"), max_length=200, blank=True)
    # A secret: sent to the CRM, never shown back in full (admin, audit log).
    api_key = models.CharField(_("API key"), max_length=500, blank=True)
    format = models.CharField(_("format"), max_length=4, choices=Format, default=Format.JSON)
    service_codes = models.JSONField(
        _("service codes"),
        default=dict,
        blank=True,
        help_text=_('Fixboard code → the CRM\'s, e.g. {"pothole": "POT-01"}. Unlisted: the same.'),
    )
    attribute_codes = models.JSONField(
        _("attribute codes"),
        default=dict,
        blank=True,
        help_text=_("Fixboard question code → the CRM's. Unlisted: the same."),
    )
    statuses = models.JSONField(
        _("status mapping"),
        default=dict,
        blank=True,
        help_text=_(
            'The CRM\'s status → Fixboard\'s, e.g. {"ASSIGNED": "in_progress", '
            '"RESOLVED": "closed:fixed", "TRANSFERRED": "unchanged"}. Unlisted: read as '
            "Open311's extended statuses."
        ),
    )
    id_attribute = models.CharField(
        _("attribute carrying Fixboard's id"),
        max_length=100,
        blank=True,
        default="fixboard_id",
        help_text=_("Lets a retry find a request the CRM took without answering. Empty: none."),
    )
    notes_public = models.BooleanField(
        _("the CRM's notes are public"),
        default=True,
        help_text=_("Off: they become internal notes, for staff only."),
    )
    poll = models.CharField(_("poll"), max_length=10, choices=Poll, default=Poll.UPDATES)
    poll_minutes = models.PositiveIntegerField(_("poll every (minutes)"), default=5)
    max_attempts = models.PositiveSmallIntegerField(
        _("attempts before giving up"), default=8, validators=[MaxValueValidator(50)]
    )
    push_client = models.ForeignKey(
        "accounts.ApiClient",
        verbose_name=_("the API client it pushes updates as"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="crm_endpoints",
        help_text=_("Its POST servicerequestupdates then read statuses with this mapping."),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["jurisdiction", "name"]
        verbose_name = _("CRM endpoint")
        verbose_name_plural = _("CRM endpoints")
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "name"], name="crm_endpoint_name")
        ]

    def __str__(self):
        return self.name

    def crm_service_code(self, code: str) -> str:
        return str(self.service_codes.get(code, code))

    def crm_attribute_code(self, code: str) -> str:
        return str(self.attribute_codes.get(code, code))

    def fixboard_status(self, external: str) -> str:
        """What the mapping says of an external status ("" when it says nothing)."""
        wanted = external.strip().casefold()
        for name, value in self.statuses.items():
            if str(name).strip().casefold() == wanted:
                return str(value)
        return ""
