from django.db import models
from django.utils.translation import gettext_lazy as _

from fixboard.places.models import Area, Jurisdiction


class Department(models.Model):
    """A city department that works requests (Open311 `agency_responsible`)."""

    jurisdiction = models.ForeignKey(
        Jurisdiction, on_delete=models.CASCADE, related_name="departments"
    )
    code = models.SlugField(_("code"), max_length=64)
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("e-mail"), blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["jurisdiction", "name"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "code"], name="department_unique_code")
        ]

    def __str__(self):
        return self.name


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
    sla_hours = models.PositiveIntegerField(
        _("SLA target (hours)"),
        null=True,
        blank=True,
        help_text=_("Time to close; the expected date of each request is set from it."),
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

    class Meta:
        ordering = ["jurisdiction", "order", "id"]
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")

    def __str__(self):
        return f"{self.service_type or '*'} in {self.area or '*'} → {self.department}"


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
