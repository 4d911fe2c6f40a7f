"""What a delivery says: the event and the request's public fields, nothing private.

Residents' names, e-mails and phones, internal notes, hidden comments and requests nobody
may see never reach a payload: it is built from the same public fields the REST API shows.
"""

import json

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from fixboard.reports.models import Event, ServiceRequest

from .models import Subscription

UPDATES = frozenset(
    {
        Event.Kind.PUBLIC_UPDATE,
        Event.Kind.PHOTO_ADDED,
        Event.Kind.RECATEGORISED,
        Event.Kind.RELOCATED,
        Event.Kind.MERGED,
    }
)


def _shown(event: Event) -> bool:
    return event.public and not (event.hidden or event.awaiting_confirmation)


def kind_of(event: Event) -> str | None:
    """The subscription event kind `event` is, or None when no integrator gets it."""
    if not event.request.is_public:
        return None
    if event.kind in (Event.Kind.SUBMITTED, Event.Kind.CONFIRMED):
        return Subscription.Kind.CREATED
    if event.kind == Event.Kind.STATUS_CHANGED:
        return Subscription.Kind.STATUS_CHANGED  # its note, if internal, stays out
    if event.kind in UPDATES and _shown(event):
        return Subscription.Kind.UPDATED
    return None


def request_fields(request: ServiceRequest) -> dict:
    """The request as the REST API shows it (fixboard.api RequestOut), without counts."""
    placed = request.pinpointed
    return {
        "id": request.public_id,
        "url": settings.SITE_URL + request.get_absolute_url(),
        "jurisdiction": request.jurisdiction.slug,
        "service_code": request.service_type.code,
        "service_name": str(request.service_type.name),
        "status": request.status,
        "close_reason": request.close_reason,
        "description": request.description,
        "address": request.address,
        "lat": request.lat if placed else None,
        "long": request.long if placed else None,
        "pinpointed": placed,
        "requested_at": request.requested_at,
        "updated_at": request.updated_at,
        "closed_at": request.closed_at,
        "expected_at": request.expected_at,
        "duplicate_of": request.duplicate_of.public_id if request.duplicate_of_id else None,
    }


def payload(delivery) -> dict:
    event = delivery.event
    data = {
        "id": str(delivery.delivery_id),
        "type": delivery.kind,
        "created_at": timezone.now(),
        "event": {
            "kind": event.kind,
            "at": event.created_at,
            "from_status": event.from_status,
            "to_status": event.to_status,
            "close_reason": event.close_reason,
            "text": event.text if _shown(event) else "",
        },
        "request": request_fields(event.request),
    }
    # Stored as JSON: times as ISO 8601 strings, as they will be sent.
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))
