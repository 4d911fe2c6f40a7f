from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fixboard.catalog.models import Department


class QueueVisit(models.Model):
    """When a person last looked at their work queue: requests made since are "new" to them.

    `seen_at` is what the queue compares with; it moves to the last look of the previous
    visit when a new visit begins (the queue opened after a break, see
    `fixboard.work.visits`), or to now when the person marks everything as seen.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="queue_visit"
    )
    seen_at = models.DateTimeField(_("last looked"))
    last_request_at = models.DateTimeField(_("last opened the queue"))

    class Meta:
        verbose_name = _("queue visit")
        verbose_name_plural = _("queue visits")

    def __str__(self):
        return f"{self.user} {self.seen_at:%Y-%m-%d %H:%M}"


class SavedView(models.Model):
    """A named set of queue filters and sort: a person's own, or shared with a department."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.CASCADE,
        related_name="saved_views",
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("shared with"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="saved_views",
        help_text=_("Empty: only the owner sees it."),
    )
    name = models.CharField(_("name"), max_length=80)
    query = models.CharField(_("filters and sort"), max_length=1000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "name"],
                condition=Q(department__isnull=True),
                name="saved_view_unique_own_name",
            ),
            models.UniqueConstraint(
                fields=["department", "name"],
                condition=Q(department__isnull=False),
                name="saved_view_unique_shared_name",
            ),
        ]

    def __str__(self):
        return self.name
