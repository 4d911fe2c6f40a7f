import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from fixboard.catalog.models import Department
from fixboard.places.models import Jurisdiction


class User(AbstractUser):
    """A person who signs in: staff of the city, or a resident who chose to."""

    class Role(models.TextChoices):
        RESIDENT = "resident", _("resident")
        AGENT = "agent", _("call-taker")
        STAFF = "staff", _("department staff")
        MANAGER = "manager", _("manager")
        ADMIN = "admin", _("city admin")

    role = models.CharField(_("role"), max_length=16, choices=Role, default=Role.RESIDENT)
    jurisdictions = models.ManyToManyField(
        Jurisdiction, verbose_name=_("jurisdictions"), blank=True, related_name="staff"
    )
    departments = models.ManyToManyField(
        Department, verbose_name=_("departments"), blank=True, related_name="members"
    )
    # Staff change their departments' requests; another department's only when granted here.
    granted_departments = models.ManyToManyField(
        Department,
        verbose_name=_("may also work requests of"),
        blank=True,
        related_name="granted_staff",
        help_text=_("Other departments whose requests this person may change."),
    )

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")
        verbose_name_plural = _("users")


def hash_api_key(key: str) -> str:
    # Keys are 256-bit random tokens, so a fast hash is enough: no dictionary can guess them.
    return hashlib.sha256(key.encode()).hexdigest()


class ApiClient(models.Model):
    """Software allowed to write through Open311 or the API: an app, a city's CRM."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    key_prefix = models.CharField(_("key starts with"), max_length=8, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    jurisdictions = models.ManyToManyField(
        Jurisdiction, verbose_name=_("may post to"), related_name="api_clients"
    )
    rate_limit_per_minute = models.PositiveIntegerField(_("requests per minute"), default=600)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("API client")
        verbose_name_plural = _("API clients")

    def __str__(self):
        return self.name

    def set_new_key(self) -> str:
        """Give the client a fresh key; the key itself is returned once and never stored."""
        key = secrets.token_urlsafe(32)
        self.key_prefix = key[:8]
        self.key_hash = hash_api_key(key)
        return key
