from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fixboard.accounts.models import ApiClient
from fixboard.places.models import Jurisdiction
from fixboard.reports.models import ServiceRequest


class Submission(models.Model):
    """One accepted Open311 POST: its client, request and token.

    Retries are recognised by the request's claim (`reports.SubmissionClaim`). `device_id`
    and `account_id` are the poster's private identifiers: never published.
    """

    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="submissions")
    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.CASCADE)
    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="+")
    token = models.CharField(_("token"), max_length=32, blank=True)
    device_id = models.CharField(_("device id"), max_length=200, blank=True)
    account_id = models.CharField(_("account id"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("received"))

    class Meta:
        verbose_name = _("Open311 submission")
        verbose_name_plural = _("Open311 submissions")
        constraints = [
            models.UniqueConstraint(
                fields=["token"], condition=~Q(token=""), name="submission_unique_token"
            ),
        ]

    def __str__(self):
        return self.token or str(self.request_id)
