from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    """One change to the configuration: who made it, when, to what, and what it changed."""

    class Action(models.TextChoices):
        CREATED = "created", _("created")
        CHANGED = "changed", _("changed")
        DEACTIVATED = "deactivated", _("made inactive")
        DELETED = "deleted", _("deleted")
        KEY_ISSUED = "key_issued", _("new key issued")

    at = models.DateTimeField(_("when"), default=timezone.now)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # The user's name or the command's, kept when the user is deleted.
    actor = models.CharField(_("who"), max_length=150)
    action = models.CharField(_("action"), max_length=16, choices=Action)
    content_type = models.ForeignKey(
        ContentType, verbose_name=_("kind"), on_delete=models.PROTECT, related_name="+"
    )
    object_id = models.CharField(_("object id"), max_length=64)
    object_repr = models.CharField(_("object"), max_length=200)
    jurisdiction = models.ForeignKey(
        "places.Jurisdiction",
        verbose_name=_("jurisdiction"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    changes = models.JSONField(
        _("changes"), default=dict, blank=True, help_text=_("Each changed field: [before, after].")
    )

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        indexes = [
            models.Index(fields=["-at", "-id"], name="audit_recent"),
            models.Index(fields=["content_type", "object_id"], name="audit_object"),
        ]

    def __str__(self):
        return f"{self.actor} {self.get_action_display()} {self.object_repr}"
