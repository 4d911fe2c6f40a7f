"""Sending one request to a city's CRM, once.

Once, whatever fails: an attempt whose outcome is unknown (a timeout, a 5xx, a dead worker)
leaves `attempt_started_at` set, and the next attempt first looks for the request in the CRM
by the attribute carrying Fixboard's id. The POST also carries an Idempotency-Key, which
servers that honour it (Fixboard does) answer with their first answer. A token (batch
services) is kept and polled until the CRM turns it into an id.
"""

import random
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from fixboard.core.models import Outbox
from fixboard.core.open311_answers import text
from fixboard.reports.models import ServiceRequest

from .client import Client, CrmError
from .models import CrmSend

# How far around an unknown attempt the look-up searches the CRM's requested_datetime:
# its clock and ours may differ, and it may date the request when it processes it.
LOOKUP_WINDOW = timedelta(hours=2)
LOOKUP_PAGES = 10


class Waiting(Exception):
    """The CRM took the request but has not given it an id yet (a token)."""


def fields_of(request: ServiceRequest, endpoint) -> list[tuple[str, str]]:
    """The POST requests body: mapped service and attribute codes, Fixboard's id."""
    fields = [
        ("service_code", endpoint.crm_service_code(request.service_type.code)),
        ("description", request.description),
    ]
    if request.pinpointed:
        fields += [("lat", repr(request.lat)), ("long", repr(request.long))]
    if request.address:
        fields.append(("address_string", request.address))
    if request.media_url:
        fields.append(("media_url", request.media_url))
    for code, value in sorted(request.attributes.items()):
        name = f"attribute[{endpoint.crm_attribute_code(code)}]"
        if isinstance(value, list):
            fields += [(f"{name}[]", str(v)) for v in value]
        else:
            fields.append((name, str(value)))
    if endpoint.id_attribute:
        fields.append((f"attribute[{endpoint.id_attribute}]", request.public_id))
    return fields


def idempotency_key(send: CrmSend) -> str:
    return f"fixboard-{send.request.public_id}-{send.endpoint_id}"


def _answer_is(item, name: str, public_id: str) -> bool:
    """An attribute entry giving question `name` the answer `public_id`: {code, value}
    (most servers) or {name, code, value} (Fixboard: the question's code is its name)."""
    if not isinstance(item, dict):
        return False
    if text(item.get("name")) == name:
        return public_id in (text(item.get("code")), text(item.get("value")))
    return text(item.get("code")) == name and text(item.get("value")) == public_id


def _carries_id(record: dict, name: str, public_id: str) -> bool:
    """Whether a CRM record's attributes (a list of entries or a mapping, plain or under
    extended_attributes) give `name` the value `public_id`."""
    for place in (record.get("attributes"), record.get("extended_attributes") or {}):
        if isinstance(place, dict):
            if text(place.get(name)) == public_id:
                return True
            place = place.get("attributes")
        if any(_answer_is(item, name, public_id) for item in place or ()):
            return True
    return False


def look_up(client: Client, send: CrmSend) -> dict | None:
    """The CRM's record of this request from an earlier attempt, if it has one."""
    endpoint, request = send.endpoint, send.request
    if not endpoint.id_attribute:
        return None
    since = send.attempt_started_at - LOOKUP_WINDOW
    for page in range(1, LOOKUP_PAGES + 1):
        records = client.requests(
            service_code=endpoint.crm_service_code(request.service_type.code),
            start_date=since.isoformat(),
            end_date=(timezone.now() + LOOKUP_WINDOW).isoformat(),
            extensions="true",
            page=page,
            page_size=100,
        )
        for record in records:
            if _carries_id(record, endpoint.id_attribute, request.public_id):
                return record
        if len(records) < 100:
            return None
    return None


def _reference(send: CrmSend, record: dict) -> str:
    """The id in `record`, or Waiting after keeping its token."""
    reference = text(record.get("service_request_id"))
    if reference:
        return reference
    token = text(record.get("token"))
    if not token:
        raise CrmError("the CRM's answer has neither an id nor a token", uncertain=True)
    send.token = token[:200]
    send.attempt_started_at = None  # the CRM has it: never post it again
    send.save(update_fields=["token", "attempt_started_at"])
    raise Waiting(token)


def deliver(send: CrmSend, client: Client) -> str:
    """The CRM's id of the request, posting it only if the CRM cannot already have it."""
    if send.token:
        record = client.token(send.token)
        if record is None:
            raise Waiting(send.token)
        return text(record["service_request_id"])
    if send.attempt_started_at:
        found = look_up(client, send)
        if found is not None:
            return _reference(send, found)
    send.attempt_started_at = timezone.now()
    send.save(update_fields=["attempt_started_at"])
    record = client.post_request(fields_of(send.request, send.endpoint), key=idempotency_key(send))
    return _reference(send, record)


def backoff(attempts: int) -> timedelta:
    """Exponential, with full jitter so that many sends failed together spread out."""
    base = settings.CRM_RETRY_BASE_SECONDS
    ceiling = min(base * 2 ** (attempts - 1), 6 * 3600)
    return timedelta(seconds=ceiling / 2 + random.uniform(0, ceiling / 2))


def record_failure(send: CrmSend, exc: CrmError) -> datetime | None:
    """Count a failed attempt; when to try again, or None once given up (dead letter)."""
    send.attempts += 1
    send.last_error = str(exc)[:2000]
    if not exc.uncertain:
        send.attempt_started_at = None  # it surely did not get there: no look-up needed
    if exc.permanent or send.attempts >= send.endpoint.max_attempts:
        send.state, send.next_attempt_at = Outbox.State.FAILED, None
    else:
        send.next_attempt_at = timezone.now() + backoff(send.attempts)
    send.lease_until = None
    send.save(
        update_fields=[
            "attempts",
            "last_error",
            "attempt_started_at",
            "state",
            "next_attempt_at",
            "lease_until",
        ]
    )
    return send.next_attempt_at


def record_waiting(send: CrmSend) -> datetime:
    """The CRM holds it under a token: ask again later, without counting a failure."""
    send.next_attempt_at = timezone.now() + timedelta(seconds=settings.CRM_RETRY_BASE_SECONDS)
    send.last_error = f"waiting for the CRM to give token {send.token} an id"
    send.lease_until = None
    send.save(update_fields=["next_attempt_at", "last_error", "lease_until"])
    return send.next_attempt_at
