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
    # The normalised street without the house number ("E 4TH ST"): the addresses of a
    # street, for typo-tolerant search and for where two streets meet.
    street = models.CharField(max_length=300, blank=True, default="", editable=False)
    # The grid cell of the point (places.cells): "the address nearest here" reads the
    # nine cells around a point through one index, on any engine.
    cell = models.BigIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("address")
        verbose_name_plural = _("addresses")
        constraints = [
            # On PostgreSQL the operator classes let this one index also serve "starts
            # with" (LIKE 'prefix%') whatever the database's collation: address search.
            # Other engines ignore them (SQLite's search reads a range instead).
            models.UniqueConstraint(
                fields=["jurisdiction", "normalized"],
                name="address_unique_per_jurisdiction",
                opclasses=["int8_ops", "varchar_pattern_ops"],
            )
        ]
        indexes = [
            models.Index(fields=["jurisdiction", "cell"], name="address_cell"),
            models.Index(fields=["jurisdiction", "street", "cell"], name="address_street_cell"),
        ]

    def __str__(self):
        return self.address


class Street(models.Model):
    """A distinct street of a jurisdiction's address index, split for search.

    "E 4TH ST" is prefix "E", core "4TH", kind "ST". Kept up to date by every write to the
    address index (places.streets.record_streets).
    """

    jurisdiction = models.ForeignKey(
        Jurisdiction, on_delete=models.CASCADE, related_name="streets", db_index=False
    )
    name = models.CharField(max_length=300)
    prefix = models.CharField(max_length=8, blank=True)
    core = models.CharField(max_length=300)
    kind = models.CharField(max_length=16, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "name"], name="street_unique_name"),
        ]
        indexes = [models.Index(fields=["jurisdiction", "core"], name="street_core")]

    def __str__(self):
        return self.name


class StreetKey(models.Model):
    """A spelling that finds a street core: the core, its other ordinal form ("4TH",
    "FOURTH") and each with one letter left out. A typed core with one letter left out
    meets one of these when it is at most one edit (a letter missing, added or wrong)
    from the core: typo matching by exact index look-ups, the same on every engine."""

    jurisdiction = models.ForeignKey(
        Jurisdiction, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    key = models.CharField(max_length=300)
    core = models.CharField(max_length=300)
    edits = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "key", "core"], name="street_key_unique"
            ),
        ]

    def __str__(self):
        return f"{self.key} → {self.core}"
