"""Open311's writes, each through the reports domain functions.

A POST's request is written with a claim on its idempotency key (the client's
Idempotency-Key header, else a hash of the parameters; `reports.idempotency`), so a retry,
or the same POST sent twice within minutes, gets the first answer back instead of creating
a second request, even when both arrive at once.
"""

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fixboard.accounts import scope
from fixboard.accounts.models import ApiClient
from fixboard.catalog.models import ServiceType
from fixboard.places.models import Jurisdiction
from fixboard.reports import idempotency
from fixboard.reports.actions import ContactDetails, add_update, submit_request, transition
from fixboard.reports.changes import correct_close_reason
from fixboard.reports.models import Channel, Event, ServiceRequest, Status
from fixboard.reports.open311_statuses import Target, corrected_reason, next_status

from .models import Submission

REPEAT_WINDOW = timedelta(minutes=10)  # an identical POST within this is a repeat


def actor_of(client: ApiClient) -> str:
    return f"open311:{client.name}"[:100]


@dataclass
class NewRequest:
    """A POST requests, parsed and located."""

    service_type: ServiceType
    lat: float | None  # None (both): an address nobody could place
    long: float | None
    address: str = ""
    zipcode: str = ""
    address_id: str = ""
    description: str = ""
    attributes: dict = field(default_factory=dict)
    media_url: str = ""
    photos: list[tuple[bytes, str]] = field(default_factory=list)
    reporter: ContactDetails | None = None
    device_id: str = ""
    account_id: str = ""
    notice: str = ""  # what the answer tells the client of its POST (answers ignored)


def submit_open311_request(
    *,
    client: ApiClient,
    jurisdiction: Jurisdiction,
    posted: NewRequest,
    fingerprint: str,
    idempotency_key: str = "",
) -> dict:
    """Create the request through `submit_request`, once per key; batch types get a token.

    Returns the answer's record (new, or the earlier one this POST repeats). Invalid input
    raises ValidationError and leaves nothing behind, so the client may fix and resend.
    """
    claim = idempotency.Claim(
        scope=f"client:{client.pk}",
        key=f"key:{idempotency_key}" if idempotency_key else f"fp:{fingerprint}",
        fingerprint=fingerprint,
        window=idempotency.KEY_WINDOW if idempotency_key else REPEAT_WINDOW,
    )
    return idempotency.submit_once(claim, lambda: _submit(client, jurisdiction, posted))


def _submit(
    client: ApiClient, jurisdiction: Jurisdiction, posted: NewRequest
) -> tuple[ServiceRequest, dict]:
    """The request and its submission, in the caller's transaction."""
    request = submit_request(
        service_type=posted.service_type,
        lat=posted.lat,
        long=posted.long,
        # The resident is the actor when known; the submission names the client.
        actor=None if posted.reporter else actor_of(client),
        description=posted.description,
        attributes=posted.attributes,
        address=posted.address,
        zipcode=posted.zipcode,
        address_id=posted.address_id,
        channel=Channel.OPEN311,
        reporter=posted.reporter,
        media_url=posted.media_url,
        photos=posted.photos,
        client=client,
        pinpointed=posted.lat is not None,
    )
    service_type = posted.service_type
    submission = Submission.objects.create(
        client=client,
        jurisdiction=jurisdiction,
        request=request,
        token=secrets.token_urlsafe(12) if service_type.type == ServiceType.Type.BATCH else "",
        device_id=posted.device_id[:200],
        account_id=posted.account_id[:200],
        created_at=timezone.now(),
    )
    record = {}
    if submission.token:
        record["token"] = submission.token
    elif service_type.type == ServiceType.Type.REALTIME:
        record["service_request_id"] = request.public_id
    # Left out when empty: the published schema has no null for them.
    notice = " ".join(n for n in (service_type.notice, posted.notice) if n)
    if notice:
        record["service_notice"] = notice
    if submission.account_id:
        record["account_id"] = submission.account_id
    return request, record


@transaction.atomic
def post_request_update(
    *,
    client: ApiClient,
    request: ServiceRequest,
    update_id: str,
    target: Target,
    description: str,
    at: datetime,
    photo: tuple[bytes, str] | None = None,
    media_url: str = "",
) -> Event | None:
    """Apply a CRM's update once per `update_id`: a status change and/or a public note.

    Returns the (first) event recording it, the earlier one when the update was already
    applied, or None when it changed nothing.
    """
    # Before the replay below: an update id must not reveal another jurisdiction's events.
    scope.check_may_act_in(client, request.jurisdiction_id)
    request = ServiceRequest.objects.select_for_update().get(pk=request.pk)
    earlier = request.events.filter(external_id=update_id).order_by("id").first()
    if earlier is not None:
        return earlier
    if at > timezone.now() + timedelta(minutes=5):
        raise ValidationError(
            {"updated_datetime": [_("%(t)s is in the future.") % {"t": at.isoformat()}]}
        )
    actor = actor_of(client)
    to_status = next_status(request.status, target)
    event = None
    if reason := corrected_reason(request.status, request.close_reason, target):
        event = correct_close_reason(
            request=request,
            close_reason=reason,
            actor=actor,
            note=description,
            external_id=update_id,
            client=client,
        )
        description = ""
    if to_status:
        event = transition(
            request=request,
            to_status=to_status,
            close_reason=target.close_reason if to_status == Status.CLOSED else "",
            actor=actor,
            note=description,
            at=at,
            external_id=update_id,
            media_url=media_url,
            client=client,
        )
        description, media_url = "", ""
    if description or photo or media_url:
        note = add_update(
            request=request,
            text=description,
            actor=actor,
            photo=photo,
            at=at,
            external_id=update_id,
            media_url=media_url,
            client=client,
        )
        event = event or note
    return event
