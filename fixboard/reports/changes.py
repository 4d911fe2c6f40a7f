"""What city staff change on a request after it was made, beyond its status.

Each function checks the actor's authority (`accounts.scope.check_may_change`, through
`actions._check_authority`), validates with messages per field, writes the request and its
timeline event in one transaction (the request locked), and returns the event. Side effects
(e-mails, map counts) follow from `event_recorded`, as for every other change.
"""

import functools
from collections.abc import Callable
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fixboard.accounts import scope
from fixboard.accounts.models import ApiClient
from fixboard.catalog.models import Department, ServiceType

from . import events, sla
from .actions import REFERRED_TO_MAX, _check_authority, _check_point, _locate, _save
from .attributes import MAX_TEXT, clean_value
from .events import Actor
from .models import (
    OPEN_STATUSES,
    CloseReason,
    Event,
    Photo,
    RequestArea,
    ServiceRequest,
    Status,
)
from .routing import Router
from .text import clean_text

ADDRESS_MAX = ServiceRequest._meta.get_field("address").max_length


def _status_words() -> dict:
    """The words of public_status_label, in the active language."""
    words = {(status, ""): str(Status(status).label) for status in OPEN_STATUSES}
    words[CloseReason.FIXED] = _("fixed")
    words[CloseReason.REFERRED] = _("referred to another agency")
    words["referred_to"] = _("referred to %(a)s")
    words["closed"] = _("closed")
    return words


def _status_label(words: dict, status: str, close_reason: str, referred_to: str) -> str:
    if status != Status.CLOSED:
        return words[(status, "")]
    if close_reason == CloseReason.REFERRED and referred_to:
        return words["referred_to"] % {"a": referred_to}
    return words.get(close_reason, words["closed"])


def public_status_label(request: ServiceRequest) -> str:
    """The request's state as residents read it: "new", "in progress", "fixed", "closed",
    or "referred to Caltrans" for a request handed to another agency (never "closed")."""
    return _status_label(_status_words(), request.status, request.close_reason, request.referred_to)


def status_labeller(language: str) -> Callable[[str, str, str], str]:
    """public_status_label of (status, close_reason, referred_to) values in `language`,
    its words read once: for exports of many rows, read after the page's language is gone."""
    with translation.override(language):
        words = _status_words()
    return functools.partial(_status_label, words)


def context_for(request: ServiceRequest) -> dict[str, str]:
    """The values of a canned response's placeholders (`catalog.canned.PLACEHOLDERS`) for
    this request, in the active language; dates in the jurisdiction's time zone."""
    jurisdiction = request.jurisdiction
    expected = ""
    if request.expected_at:
        local = timezone.localtime(request.expected_at, ZoneInfo(jurisdiction.timezone))
        expected = date_format(local, "DATE_FORMAT")
    address = request.address or f"{request.lat:.5f}, {request.long:.5f}"
    return {
        "id": request.public_id,
        "service": request.service_type.name,
        "address": address,
        "expected_date": expected,
        "department": request.department.name if request.department_id else "",
        "status": public_status_label(request),
    }


# --- Shared rules ------------------------------------------------------------------------


def _locked_for(
    request: ServiceRequest, actor: Actor, client: ApiClient | None = None
) -> ServiceRequest:
    """The request as the database holds it, locked, once the actor may change it (checked
    on the row as it is now: it may have gone to another department since it was read)."""
    # No select_related: on PostgreSQL FOR UPDATE would lock the joined rows too.
    locked = ServiceRequest.objects.select_for_update().get(pk=request.pk)
    _check_authority(locked, actor, client)
    return locked


def _clean_note(note: str, field: str = "note") -> str:
    note = clean_text(note or "")
    if len(note) > MAX_TEXT:
        raise ValidationError(
            {
                field: [
                    _("Keep it under %(n)d characters (it has %(m)d).")
                    % {"n": MAX_TEXT, "m": len(note)}
                ]
            }
        )
    return note


def assigned_by_hand(request: ServiceRequest) -> bool:
    """Whether a person gave the request its department after it was made (an `assigned`
    event naming a department, by a signed-in user)."""
    return Event.objects.filter(
        request_id=request.pk,
        kind=Event.Kind.ASSIGNED,
        actor_user__isnull=False,
        data__has_key="department",
    ).exists()


def _reroute(request: ServiceRequest, service_type: ServiceType, area_ids) -> dict:
    """Give `request` the department the routing rules pick for `service_type` and its
    areas, unless a person assigned it by hand (`assigned_by_hand`): then it stays. The
    assignee stays while they may still change the request. Returns the event data."""
    data = {}
    if not assigned_by_hand(request):
        department_id = Router(request.jurisdiction, service_type).department_id(
            service_type.pk, area_ids
        )
        # No department for the new type (no rule, no default): it stays where it is rather
        # than fall to nobody, whom no staff member's queue shows.
        if department_id is not None and department_id != request.department_id:
            request.department_id = department_id
            data["rerouted"] = True
            if request.assignee_id and not scope.may_change(request.assignee, request):
                data["unassigned"] = request.assignee.get_username()
                request.assignee = None
    department = (
        Department.objects.filter(pk=request.department_id).values_list("name", flat=True).first()
    )
    data["department"] = department or ""
    return data


# --- Service type --------------------------------------------------------------------------


@transaction.atomic
def recategorise(
    *, request: ServiceRequest, service_type: ServiceType, actor: Actor, note: str = ""
) -> Event:
    """Change the request's service type.

    - Only to an active service type of the same jurisdiction.
    - Answers to questions the new type also asks (same code, and the answer still valid)
      are kept; the others are dropped from the request and kept in the event's data
      (`dropped`, for staff). Questions the new type requires but nobody answered stay
      unanswered: staff are not the reporter.
    - Re-routing: the routing rules pick the department for the new type and the request's
      areas, **unless a staff member assigned the department by hand after submission**
      (an `assigned` event naming a department, by a person): a person's choice outlives
      automatic routing. Nor does it move when the rules name no department. The assignee
      stays while they may still change the request.
    - The SLA due time is counted again from when the request was made, with the new
      type's target.
    - The event (`recategorised`) is public — residents read "changed from Pothole to
      Sidewalk repair" — unless one of the two types is private. Data: from, to (names),
      from_code, to_code, department (after), and for staff dropped, rerouted, unassigned.
    """
    request = _locked_for(request, actor)
    note = _clean_note(note)
    old = request.service_type
    if service_type.jurisdiction_id != request.jurisdiction_id:
        raise ValidationError(
            {
                "service_type": [
                    _("%(s)s is not a service of %(j)s.")
                    % {"s": service_type.name, "j": request.jurisdiction.name}
                ]
            }
        )
    if service_type.pk == old.pk:
        raise ValidationError(
            {"service_type": [_("The request is already %(s)s.") % {"s": old.name}]}
        )
    if not service_type.active:
        raise ValidationError(
            {
                "service_type": [
                    _("%(s)s no longer takes reports; choose an active service type.")
                    % {"s": service_type.name}
                ]
            }
        )
    kept, dropped = _carry_answers(request.attributes or {}, service_type)
    area_ids = list(
        RequestArea.objects.filter(request_id=request.pk).values_list("area_id", flat=True)
    )
    request.service_type = service_type
    request.attributes = kept
    request.expected_at = sla.expected_at(service_type, request.requested_at)
    routed = _reroute(request, service_type, area_ids)
    at = timezone.now()
    request.updated_at = max(request.updated_at, at)
    _save(request, ["service_type", "attributes", "expected_at", "department", "assignee"])
    data = {
        "from": old.name,
        "to": service_type.name,
        "from_code": old.code,
        "to_code": service_type.code,
        **routed,
    }
    if dropped:
        data["dropped"] = dropped
    return events.record(
        request,
        Event.Kind.RECATEGORISED,
        actor=actor,
        at=at,
        public=old.public and service_type.public,
        text=note,
        data=data,
    )


def _carry_answers(answers: dict, service_type: ServiceType) -> tuple[dict, dict]:
    questions = {q.code: q for q in service_type.attributes.all() if q.variable}
    kept, dropped = {}, {}
    for code, value in answers.items():
        question = questions.get(code)
        try:
            if question is None:
                raise ValueError(code)
            kept[code] = clean_value(question, value)
        except ValueError:
            dropped[code] = value
    return kept, dropped


# --- Location ------------------------------------------------------------------------------


@transaction.atomic
def relocate(
    *,
    request: ServiceRequest,
    lat,
    long,
    actor: Actor,
    address: str = "",
    note: str = "",
) -> Event:
    """Move the request to another point (and address) of its jurisdiction.

    The point must lie inside the jurisdiction. Its areas are found again, and the
    department re-routed as by `recategorise` (unless assigned by hand). `address` is the
    new point's address ("" when it has none): the old one, its zip code and its address
    id describe the old point and go. The event (`relocated`) is public; of its data,
    everyone reads `to` (the new address, "" without one) and `department`; staff also
    read `place` and `previous` ({lat, long, address} after and before). The old place is
    not published (no `from`): a point moved because it was the reporter's home must not
    stay on the public timeline.
    """
    request = _locked_for(request, actor)
    note = _clean_note(note)
    lat, long = _check_point(lat, long)
    address = clean_text(address or "")
    if len(address) > ADDRESS_MAX:
        raise ValidationError(
            {"address": [_("Keep the address under %(n)d characters.") % {"n": ADDRESS_MAX}]}
        )
    if (lat, long, address) == (request.lat, request.long, request.address) and request.pinpointed:
        raise ValidationError({"location": [_("The request is already at this place.")]})
    area_ids = _locate(request.jurisdiction, lat, long)
    before = {"lat": request.lat, "long": request.long, "address": request.address}
    request.lat, request.long, request.address = lat, long, address
    request.zipcode = request.address_id = ""
    request.pinpointed = True
    RequestArea.objects.filter(request_id=request.pk).delete()
    RequestArea.objects.bulk_create(RequestArea(request=request, area_id=a) for a in area_ids)
    routed = _reroute(request, request.service_type, area_ids)
    at = timezone.now()
    request.updated_at = max(request.updated_at, at)
    _save(
        request,
        ["lat", "long", "address", "zipcode", "address_id", "pinpointed", "department", "assignee"],
    )
    return events.record(
        request,
        Event.Kind.RELOCATED,
        actor=actor,
        at=at,
        public=True,
        text=note,
        data={
            "to": address,
            "place": {"lat": lat, "long": long, "address": address},
            "previous": before,
            **routed,
        },
    )


# --- Priority ------------------------------------------------------------------------------

# The staff's priority: a whole number from -2 (can wait) to +3 (urgent), 0 being normal
# (every request starts there). The work queue adds it to its explained score.
PRIORITY_MIN, PRIORITY_MAX = -2, 3
PRIORITY_LABELS = {
    -2: gettext_lazy("can wait"),
    -1: gettext_lazy("low"),
    0: gettext_lazy("normal"),
    1: gettext_lazy("raised"),
    2: gettext_lazy("high"),
    3: gettext_lazy("urgent"),
}
MAX_REASON = 500


def _clean_priority(priority) -> int:
    message = _("Give the priority as a whole number from %(a)d (can wait) to %(b)d (urgent).") % {
        "a": PRIORITY_MIN,
        "b": PRIORITY_MAX,
    }
    if isinstance(priority, bool):
        raise ValidationError({"priority": [message]})
    try:
        value = int(str(priority).strip().replace("−", "-"))
    except ValueError:
        raise ValidationError({"priority": [message]}) from None
    if not PRIORITY_MIN <= value <= PRIORITY_MAX:
        raise ValidationError({"priority": [message]})
    return value


@transaction.atomic
def set_priority(*, request: ServiceRequest, priority, actor: Actor, reason: str = "") -> Event:
    """Set the staff's priority (PRIORITY_MIN..PRIORITY_MAX, see PRIORITY_LABELS).

    Internal: residents see neither the priority nor its `priority_changed` event (data:
    from, to; the reason as its text), and `updated_at` (which Open311 clients poll for
    public changes) stays.
    """
    request = _locked_for(request, actor)
    value = _clean_priority(priority)
    reason = _clean_note(reason, "reason")
    if len(reason) > MAX_REASON:
        raise ValidationError(
            {"reason": [_("Keep the reason under %(n)d characters.") % {"n": MAX_REASON}]}
        )
    if value == request.priority:
        raise ValidationError(
            {
                "priority": [
                    _("The priority is already %(p)d (%(l)s).")
                    % {"p": value, "l": PRIORITY_LABELS[value]}
                ]
            }
        )
    before = request.priority
    request.priority = value
    request.save(update_fields=["priority"])
    return events.record(
        request,
        Event.Kind.PRIORITY_CHANGED,
        actor=actor,
        at=timezone.now(),
        public=False,
        text=reason,
        data={"from": before, "to": value},
    )


# --- Close reason --------------------------------------------------------------------------


@transaction.atomic
def correct_close_reason(
    *,
    request: ServiceRequest,
    close_reason: str,
    actor: Actor,
    note: str = "",
    referred_to: str = "",
    external_id: str = "",
    client: ApiClient | None = None,
) -> Event:
    """Correct why a closed request was closed (a duplicate that was in fact fixed), without
    reopening it.

    `client` is the API client of a city's CRM correcting its own close (within its
    grants; it need not name the agency of a referral, as `actions.transition` allows),
    `external_id` its id for the correction (kept on the event).

    Correcting to `referred` names the agency (`referred_to`). Marking a request a duplicate
    is `actions.merge`'s work, which needs the other request: refused here. Correcting a
    merged duplicate to another reason leaves it standing on its own (`duplicate_of` is
    cleared; the supporters merged into the other request stay there). The event
    (`close_reason_corrected`) is public; its data holds from, to and referred_to.
    """
    request = _locked_for(request, actor, client)
    note = _clean_note(note)
    referred_to = clean_text(referred_to or "")
    if request.status != Status.CLOSED:
        raise ValidationError(
            {"close_reason": [_("Only a closed request has a close reason to correct.")]}
        )
    if close_reason not in CloseReason.values:
        raise ValidationError(
            {"close_reason": [_("Choose one of: %(r)s.") % {"r": ", ".join(CloseReason.values)}]}
        )
    if close_reason == CloseReason.DUPLICATE:
        raise ValidationError(
            {
                "close_reason": [
                    _("To mark it a duplicate, merge it into the request it duplicates.")
                ]
            }
        )
    if close_reason != CloseReason.REFERRED and referred_to:
        raise ValidationError(
            {"referred_to": [_("Name an agency only when referring the request to it.")]}
        )
    if close_reason == CloseReason.REFERRED and not referred_to and client is None:
        raise ValidationError(
            {"referred_to": [_("Say which agency the request is referred to, e.g. Caltrans.")]}
        )
    if len(referred_to) > REFERRED_TO_MAX:
        raise ValidationError(
            {
                "referred_to": [
                    _("Keep the agency's name under %(n)d characters.") % {"n": REFERRED_TO_MAX}
                ]
            }
        )
    if (close_reason, referred_to) == (request.close_reason, request.referred_to):
        raise ValidationError(
            {
                "close_reason": [
                    _("It is already closed as %(r)s.") % {"r": CloseReason(close_reason).label}
                ]
            }
        )
    data = {"from": request.close_reason, "to": close_reason}
    if referred_to:
        data["referred_to"] = referred_to
    if request.duplicate_of_id:
        data["was_duplicate_of"] = (
            ServiceRequest.objects.filter(pk=request.duplicate_of_id)
            .values_list("public_id", flat=True)
            .first()
        )
        request.duplicate_of = None
    request.close_reason = close_reason
    request.referred_to = referred_to
    if note:
        request.status_notes = note
    at = timezone.now()
    request.updated_at = max(request.updated_at, at)
    _save(request, ["close_reason", "referred_to", "duplicate_of", "status_notes"])
    return events.record(
        request,
        Event.Kind.CLOSE_REASON_CORRECTED,
        actor=actor,
        at=at,
        public=True,
        from_status=Status.CLOSED,
        to_status=Status.CLOSED,
        close_reason=close_reason,
        text=note,
        data=data,
        external_id=external_id,
    )


# --- Redaction -----------------------------------------------------------------------------


@transaction.atomic
def redact(
    *,
    actor: Actor,
    reason: str,
    request: ServiceRequest | None = None,
    description: str | None = None,
    event: Event | None = None,
    text: str | None = None,
    photo: Photo | None = None,
) -> Event:
    """Take something a resident should not read out of every public output, keeping the
    original for staff. One target per call:

    - `request` and `description`: the request's description becomes `description` ("" to
      show none);
    - `event` and `text`: a public entry's text (a comment, a status note) becomes `text`
      (the request's status notes too, when they repeat it);
    - `event` alone: a resident's comment is hidden whole — comment moderation's own
      mechanism (`Event.hidden`, a `comment_hidden` event; `actions.restore_comment` shows
      it again);
    - `photo`: the photo is hidden (`Photo.hidden`); its file stays for staff.

    The public pages, Open311, the REST API, feeds, the widget and exports read these same
    fields, so they show the redacted text or nothing. The change is recorded by an
    internal `redacted` event (who, and the reason as its text) whose data keeps the
    original (`original`) for staff. Returns that event (or the `comment_hidden` one).
    """
    targets = [
        name
        for name, given in (
            ("description", description is not None),
            ("event", event is not None),
            ("photo", photo is not None),
        )
        if given
    ]
    if len(targets) != 1 or (description is not None and request is None):
        raise ValidationError(
            {"target": [_("Choose one thing to redact: the description, an update or a photo.")]}
        )
    if text is not None and event is None:
        raise ValidationError({"text": [_("Only an update's text can be replaced.")]})
    owner_id = request.pk if request is not None else None
    if event is not None:
        request = event.request
    elif photo is not None:
        request = photo.request
    if owner_id is not None and owner_id != request.pk:
        raise ValidationError({"target": [_("This belongs to another request.")]})
    request = _locked_for(request, actor)
    reason = _clean_note(reason, "reason")
    if not reason:
        raise ValidationError({"reason": [_("Give the reason; other staff will see it.")]})
    if len(reason) > MAX_REASON:
        raise ValidationError(
            {"reason": [_("Keep the reason under %(n)d characters.") % {"n": MAX_REASON}]}
        )
    at = timezone.now()
    if event is not None and text is None:
        return _hide_comment(request, event, actor=actor, reason=reason, at=at)
    if description is not None:
        data = _redact_description(request, description)
    elif event is not None:
        data = _redact_text(request, event, text)
    else:
        data = _hide_photo(request, photo)
    # Open311 clients re-read requests updated since their last poll: what they show changed.
    request.updated_at = max(request.updated_at, at)
    _save(request, ["description", "status_notes"])
    return events.record(
        request, Event.Kind.REDACTED, actor=actor, at=at, public=False, text=reason, data=data
    )


def _replacement(text: str, current: str, field: str) -> str:
    text = clean_text(text)
    if len(text) > MAX_TEXT:
        raise ValidationError({field: [_("Keep it under %(n)d characters.") % {"n": MAX_TEXT}]})
    if text == current:
        raise ValidationError({field: [_("Change the text to redact it.")]})
    return text


def _redact_description(request: ServiceRequest, description: str) -> dict:
    original = request.description
    request.description = _replacement(description, original, "description")
    return {"target": "description", "original": original, "redacted": request.description}


def _redact_text(request: ServiceRequest, event: Event, text: str) -> dict:
    event = Event.objects.select_for_update().get(pk=event.pk)
    if not event.public:
        raise ValidationError(
            {"event": [_("Internal notes are never shown to the public; nothing to redact.")]}
        )
    if event.hidden:
        raise ValidationError({"event": [_("This comment is hidden already.")]})
    original = event.text
    event.text = _replacement(text, original, "text")
    event.save(update_fields=["text"])
    if original and request.status_notes == original:
        request.status_notes = event.text
    return {"target": "event", "event": event.pk, "original": original, "redacted": event.text}


def _hide_photo(request: ServiceRequest, photo: Photo) -> dict:
    photo = Photo.objects.select_for_update().get(pk=photo.pk)
    if photo.hidden:
        raise ValidationError({"photo": [_("This photo is hidden already.")]})
    photo.hidden = True
    photo.save(update_fields=["hidden"])
    return {"target": "photo", "photo": photo.pk, "original": photo.image.name}


def _hide_comment(request: ServiceRequest, comment: Event, *, actor, reason, at) -> Event:
    """Comment moderation's hiding (`actions.hide_comment`), with the authority to change
    the request rather than a moderator's."""
    comment = Event.objects.select_for_update().get(pk=comment.pk)
    if comment.kind != Event.Kind.PUBLIC_UPDATE:
        raise ValidationError(
            {"text": [_("Only a comment can be hidden whole; give the text to show instead.")]}
        )
    if comment.hidden:
        raise ValidationError({"event": [_("This comment is hidden already.")]})
    comment.hidden = True
    comment.save(update_fields=["hidden"])
    request.updated_at = max(request.updated_at, at)
    _save(request, [])
    return events.comment_moderated(request, actor=actor, at=at, comment=comment, reason=reason)
