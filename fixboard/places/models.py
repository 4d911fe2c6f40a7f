from django.db import models
from django.utils.translation import gettext_lazy as _
from shapely import wkb
from shapely.geometry.base import BaseGeometry


class Jurisdiction(models.Model):
    """A city or county served by this installation (Open311 `jurisdiction_id`)."""

    slug = models.SlugField(_("jurisdiction id"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    timezone = models.CharField(_("time zone"), max_length=64, default="UTC")
    boundary_wkb = models.BinaryField(_("boundary"), null=True, blank=True, editable=False)
    min_lat = models.FloatField(null=True, blank=True, editable=False)
    min_long = models.FloatField(null=True, blank=True, editable=False)
    max_lat = models.FloatField(null=True, blank=True, editable=False)
    max_long = models.FloatField(null=True, blank=True, editable=False)
    boundary_kind = models.SlugField(
        _("boundary from area kind"),
        max_length=64,
        blank=True,
        help_text=_("When set, the union of this kind of area serves as the boundary."),
    )
    settings = models.JSONField(_("settings"), default=dict, blank=True)
    # Changes whenever its areas change, so every process knows to rebuild its spatial index.
    areas_version = models.CharField(max_length=32, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("jurisdiction")
        verbose_name_plural = _("jurisdictions")

    def __str__(self):
        return self.name

    @property
    def boundary(self) -> BaseGeometry | None:
        return wkb.loads(bytes(self.boundary_wkb)) if self.boundary_wkb else None


class Area(models.Model):
    """A named polygon of a jurisdiction: a ward, a neighbourhood, a district."""

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.CASCADE, related_name="areas")
    kind = models.SlugField(_("kind"), max_length=64)
    code = models.CharField(_("code"), max_length=64)
    name = models.CharField(_("name"), max_length=200)
    geometry_wkb = models.BinaryField(editable=False)
    min_lat = models.FloatField(editable=False)
    min_long = models.FloatField(editable=False)
    max_lat = models.FloatField(editable=False)
    max_long = models.FloatField(editable=False)
    properties = models.JSONField(_("source properties"), default=dict, blank=True)
    repaired = models.BooleanField(
        _("geometry repaired"),
        default=False,
        help_text=_("The source polygon was invalid and was repaired on import."),
    )
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["jurisdiction", "kind", "name"]
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "kind", "code"], name="area_unique_code_per_kind"
            )
        ]

    def __str__(self):
        return f"{self.name} ({self.kind})"

    @property
    def geometry(self) -> BaseGeometry:
        return wkb.loads(bytes(self.geometry_wkb))


class AddressPoint(models.Model):
    """One known street address and its location, learnt from imports and requests."""

    # No index of its own: the unique (jurisdiction, normalized) index leads with it, and
    # each address an import learns would pay for a second one.
    jurisdiction = models.ForeignKey(
        Jurisdiction, on_delete=models.CASCADE, related_name="addresses", db_index=False
    )
    normalized = models.CharField(max_length=300, editable=False)
    address = models.CharField(_("address"), max_length=300)
    zipcode = models.CharField(_("zip code"), max_length=20, blank=True)
    lat = models.FloatField(_("latitude"))
    long = models.FloatField(_("longitude"))

    class Meta:
        verbose_name = _("address")
        verbose_name_plural = _("addresses")
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "normalized"], name="address_unique_per_jurisdiction"
            )
        ]

    def __str__(self):
        return self.address
