"""The only way to create or change a service request.

Each function validates, writes the request and its timeline event in one transaction,
and leaves follow-up work to listeners of `event_recorded` (sent on commit); derived data
that must stay exact (map counts) is kept by listeners of `request_submitted`, inside.
Invalid input raises django.core.exceptions.ValidationError with errors per field.
"""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from fixboard.accounts import scope
from fixboard.accounts.models import ApiClient, User
from fixboard.catalog.models import Department, ServiceType
from fixboard.core.compiled import CompiledQuery
from fixboard.core.phones import parse_phone, phone_or_blank
from fixboard.core.snapshots import Snapshot
from fixboard.places.models import Jurisdiction
from fixboard.places.spatial import area_index

from . import events, sla
from .attributes import MAX_TEXT, clean_attributes
from .contacts import stored_forms
from .events import Actor
from .models import (
    Channel,
    CloseReason,
    CommentFlag,
    Contact,
    Event,
    Follow,
    Photo,
    RequestArea,
    ServiceRequest,
    Status,
    Support,
)
from .photos import clean_photos
from .public_ids import new_public_id
from .routing import Router
from .signals import request_submitted
from .text import clean_text

# An update's linked photo obeys the same limit as a request's own media_url.
MEDIA_URL_MAX = ServiceRequest._meta.get_field("media_url").max_length


def _check_client(client: ApiClient | None, jurisdiction_id: int) -> None:
    """A write through an API client (for a resident, or as the city's CRM) stays within
    the jurisdictions the client was granted."""
    if client is not None:
        scope.check_may_act_in(client, jurisdiction_id)


def _check_authority(
    request: ServiceRequest, actor: Actor, client: ApiClient | None, *, change: bool = True
) -> None:
    """A write that may be the city's: city staff, like API clients, act only in their
    jurisdictions, and change only their departments' requests (`change`; any staff of the
    jurisdiction may add a note or an update). Residents act as residents anywhere."""
    _check_client(client, request.jurisdiction_id)
    if not scope.acts_for_city(actor):
        return
    if change:
        scope.check_may_change(actor, request)
    else:
        scope.check_may_act_in(actor, request.jurisdiction_id)


@dataclass(frozen=True)
class ContactDetails:
    name: str = ""
    email: str = ""
    phone: str = ""
    # The language the person is using now (the page's); kept as theirs for their e-mails.
    language: str = ""


def _stored_phone(text: str) -> str:
    """A phone as it is kept: E.164 when it is a number we can call, else its digits (a
    door may pass on what a person typed; it is kept rather than lost)."""
    return phone_or_blank(text) or "".join(c for c in text if c.isdigit() or c == "+")


def _contact_with_phone(phone: str) -> Contact | None:
    forms = stored_forms(phone) if phone.startswith("+") else [phone]
    return Contact.objects.filter(phone__in=forms).order_by("id").first()


def upsert_contact(details: ContactDetails) -> Contact | None:
    """The contact with this e-mail (or else phone), created or completed; None if empty."""
    email = details.email.strip().lower()
    phone = _stored_phone(details.phone)
    name = clean_text(details.name)
    if not (email or phone or name):
        return None
    contact = None
    if email:
        contact = Contact.objects.filter(email=email).order_by("id").first()
    elif phone:
        contact = _contact_with_phone(phone)
    language = details.language[: Contact._meta.get_field("language").max_length]
    if contact is None:
        return Contact.objects.create(name=name, email=email, phone=phone, language=language)
    changed = []
    for field, value in (("name", name), ("phone", phone), ("email", email)):
        if value and not getattr(contact, field):
            setattr(contact, field, value)
            changed.append(field)
    if language and language != contact.language:
        contact.language = language  # the latest language they used is theirs
        changed.append("language")
    if changed:
        contact.save(update_fields=changed)
    return contact


@transaction.atomic
def save_caller(
    *,
    details: ContactDetails,
    may_text: bool | None = None,
    may_email: bool | None = None,
    contact: Contact | None = None,
) -> Contact:
    """A caller's contact as they gave it on the phone: found (by e-mail, else phone) or
    created, completed with what was typed, with their answers to "may we text / e-mail
    you?" (None: not asked). `contact` is the one the call-taker already picked."""
    errors = {}
    if details.phone.strip():
        try:
            parse_phone(details.phone)
        except ValidationError as exc:
            errors["phone"] = exc.messages
    if details.email.strip():
        try:
            EmailValidator()(details.email.strip())
        except ValidationError:
            errors["email"] = [_("Give an e-mail address like name@example.com.")]
    if not (details.name.strip() or details.phone.strip() or details.email.strip()):
        errors["name"] = [_("Give the caller's name, phone number or e-mail address.")]
    if errors:
        raise ValidationError(errors)
    if contact is None:
        contact = upsert_contact(details)
    else:
        contact = Contact.objects.select_for_update().get(pk=contact.pk)
        changed = []
        for field, value in (
            ("name", clean_text(details.name)),
            ("phone", _stored_phone(details.phone)),
            ("email", details.email.strip().lower()),
        ):
            if value and value != getattr(contact, field):
                setattr(contact, field, value)
                changed.append(field)
        if changed:
            contact.save(update_fields=changed)
    consent = {
        field: value
        for field, value in (("may_text", may_text), ("may_email", may_email))
        if value is not None and getattr(contact, field) != value
    }
    if consent:
        for field, value in consent.items():
            setattr(contact, field, value)
        contact.save(update_fields=list(consent))
    return contact


def _check_point(lat, long) -> tuple[float, float]:
    errors = {}
    values = {}
    for name, value, bound in (("lat", lat, 90), ("long", long, 180)):
        try:
            number = float(value)
        except (TypeError, ValueError):
            errors[name] = [_("Give the location as decimal degrees.")]
            continue
        if not math.isfinite(number) or abs(number) > bound:
            errors[name] = [_("%(v)s is outside -%(b)d…%(b)d.") % {"v": value, "b": bound}]
        values[name] = number
    if errors:
        raise ValidationError(errors)
    return values["lat"], values["long"]


def check_location(jurisdiction: Jurisdiction, lat, long) -> tuple[float, float]:
    """The point, if it is one the city can act on (inside `jurisdiction`); else the
    ValidationError `submit_request` would raise for it."""
    lat, long = _check_point(lat, long)
    _locate(jurisdiction, lat, long)
    return lat, long


def _locate(jurisdiction: Jurisdiction, lat: float, long: float) -> list[int]:
    located = area_index().locate(lat, long, jurisdiction.pk)
    if located.jurisdiction_id != jurisdiction.pk:
        raise ValidationError(
            {
                "location": [
                    _(
                        "This place is outside %(j)s, so the city cannot act on it. "
                        "Check the location on the map."
                    )
                    % {"j": jurisdiction.name}
                ]
            }
        )
    return list(located.area_ids)


def _centre_of(jurisdiction: Jurisdiction) -> tuple[float, float]:
    """A point inside the jurisdiction, for a request whose place nobody pinpointed."""
    boundary = jurisdiction.boundary
    if boundary is None:
        raise ValidationError(
            {
                "location": [
                    _("Give the location on the map: %(j)s has no boundary to place it in.")
                    % {"j": jurisdiction.name}
                ]
            }
        )
    point = boundary.representative_point()  # inside, even for a crescent-shaped city
    return point.y, point.x


def _not_pinpointed_note(request: ServiceRequest, at: datetime) -> Event:
    return events.record(
        request,
        Event.Kind.INTERNAL_NOTE,
        actor=None,
        at=at,
        public=False,
        text=_(
            "Location not pinpointed: reported by address only (%(a)s), which no address "
            "index knows. Placed at the centre of %(j)s until someone moves it to its place."
        )
        % {"a": request.address or _("none given"), "j": request.jurisdiction.name},
        data={"pinpointed": False},
    )


def submit_request(
    *,
    service_type: ServiceType,
    lat: float | None,
    long: float | None,
    actor: Actor,
    description: str = "",
    attributes: dict | None = None,
    address: str = "",
    zipcode: str = "",
    address_id: str = "",
    channel: str = Channel.WEB,
    reporter: ContactDetails | Contact | None = None,
    reporter_name_public: bool = False,
    anonymous: bool = False,
    awaiting_confirmation: bool = False,
    media_url: str = "",
    photos: list[tuple[bytes, str]] = (),
    requested_at: datetime | None = None,
    external_id: str = "",
    client: ApiClient | None = None,
    pinpointed: bool = True,
) -> ServiceRequest:
    """Create a request: validate, route to its areas and department, and record it.

    `client` is the API client it came through, if any (PermissionDenied outside its grants).
    Not `pinpointed` (reported by an address nobody could place; lat and long are then
    None), the request stands at its jurisdiction's centre with an internal note saying so,
    until staff move it (`changes.relocate`).
    `reporter` is who reported it: their details as given, or a contact already found (a
    caller the call-taker picked).
    """
    _check_client(client, service_type.jurisdiction_id)
    description, address, zipcode, address_id = map(
        clean_text, (description, address, zipcode, address_id)
    )
    errors: dict[str, list[str]] = {}
    if not service_type.active:
        errors["service_code"] = [_("%(s)s no longer takes reports.") % {"s": service_type.name}]
    if len(description) > MAX_TEXT:
        errors["description"] = [
            _("Keep the description under %(n)d characters (it has %(m)d).")
            % {"n": MAX_TEXT, "m": len(description)}
        ]
    if channel not in Channel.values:
        errors["channel"] = [_("Unknown channel %(c)s.") % {"c": channel}]
    cleaned_attrs = {}
    try:
        cleaned_attrs = clean_attributes(service_type, attributes or {})
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        if pinpointed:
            lat, long = _check_point(lat, long)
        else:
            lat, long = _centre_of(service_type.jurisdiction)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    cleaned_photos = []
    try:
        cleaned_photos = clean_photos(list(photos))
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    jurisdiction = service_type.jurisdiction
    area_ids = _locate(jurisdiction, lat, long)
    now = timezone.now()
    requested_at = requested_at or now
    # No savepoint of its own inside a caller's transaction: a failure here fails the caller.
    with transaction.atomic(savepoint=False):
        contact = reporter if isinstance(reporter, Contact) or not reporter else None
        if reporter and not isinstance(reporter, Contact):
            contact = upsert_contact(reporter)
        request = ServiceRequest.objects.create(
            public_id=_unused_public_id(),
            jurisdiction=jurisdiction,
            service_type=service_type,
            description=description,
            attributes=cleaned_attrs,
            lat=lat,
            long=long,
            address=address[:300],
            zipcode=zipcode[:20],
            address_id=address_id[:100],
            department_id=Router(jurisdiction, service_type).department_id(
                service_type.pk, area_ids
            ),
            channel=channel,
            reporter=contact,
            reporter_name_public=reporter_name_public and not anonymous,
            anonymous=anonymous,
            awaiting_confirmation=awaiting_confirmation,
            media_url=media_url,
            requested_at=requested_at,
            updated_at=requested_at,
            expected_at=sla.expected_at(service_type, requested_at),
            external_id=external_id,
            has_photos=bool(cleaned_photos),
            pinpointed=pinpointed,
        )
        RequestArea.objects.bulk_create(RequestArea(request=request, area_id=a) for a in area_ids)
        event = events.submitted(request, actor=actor or contact, at=requested_at)
        if not pinpointed:
            _not_pinpointed_note(request, requested_at)
        for photo in cleaned_photos:
            _store_photo(request, photo, event)
        request_submitted.send(sender=ServiceRequest, request=request, area_ids=area_ids)
    return request


_ID_TAKEN = CompiledQuery(
    lambda public_id: ServiceRequest.objects.filter(public_id=public_id).values("id")[:1],
    public_id="\x00public id",
)


def _unused_public_id() -> str:
    while True:
        candidate = new_public_id()
        if _ID_TAKEN.first(public_id=candidate) is None:
            return candidate


def _store_photo(request: ServiceRequest, photo, event: Event) -> Photo:
    return Photo.objects.create(
        request=request,
        event=event,
        image=photo.content,
        taken_lat=photo.lat,
        taken_long=photo.long,
    )


def _locked(request: ServiceRequest) -> ServiceRequest:
    return ServiceRequest.objects.select_for_update().get(pk=request.pk)


def _save(request: ServiceRequest, fields: list[str]) -> None:
    request.save(update_fields=[*fields, "updated_at"])


ALLOWED = {
    Status.NEW: {Status.ACKNOWLEDGED, Status.IN_PROGRESS, Status.CLOSED},
    Status.ACKNOWLEDGED: {Status.IN_PROGRESS, Status.CLOSED},
    Status.IN_PROGRESS: {Status.ACKNOWLEDGED, Status.CLOSED},
    Status.CLOSED: {Status.NEW, Status.ACKNOWLEDGED, Status.IN_PROGRESS},
}


def _check_transition(request: ServiceRequest, to_status: str, close_reason: str) -> None:
    if to_status not in Status.values:
        raise ValidationError({"status": [_("Unknown status %(s)s.") % {"s": to_status}]})
    if to_status == request.status:
        raise ValidationError(
            {"status": [_("The request is already %(s)s.") % {"s": Status(to_status).label}]}
        )
    if to_status not in ALLOWED[Status(request.status)]:
        raise ValidationError(
            {
                "status": [
                    _("A %(a)s request cannot go back to %(b)s.")
                    % {"a": Status(request.status).label, "b": Status(to_status).label}
                ]
            }
        )
    if to_status == Status.CLOSED and close_reason not in CloseReason.values:
        raise ValidationError(
            {
                "close_reason": [
                    _("Say why it is closed: %(r)s.") % {"r": ", ".join(CloseReason.values)}
                ]
            }
        )
    if to_status != Status.CLOSED and close_reason:
        raise ValidationError({"close_reason": [_("Only a closed request has a close reason.")]})


@transaction.atomic
def transition(
    *,
    request: ServiceRequest,
    to_status: str,
    actor: Actor,
    close_reason: str = "",
    note: str = "",
    public: bool = True,
    at: datetime | None = None,
    external_id: str = "",
    media_url: str = "",
    client: ApiClient | None = None,
    photo: tuple[bytes, str] | None = None,
    referred_to: str = "",
) -> Event:
    """Move a request to another status; closing needs a reason; a closed one can reopen.

    `photo` is stored on the status event (on a public close: the "after" photo). Closing
    rules for people (not for a city's CRM reporting its own close through `client`, which
    Fixboard records as it is): a service type with `after_photo_required` closes as fixed
    only with a photo (or a `media_url` to one); closing as referred names the agency
    (`referred_to`, kept on the request until it reopens).
    """
    request = _locked(request)
    # On the row as it is now: it may have gone to another department since it was read.
    _check_authority(request, actor, client)
    _check_transition(request, to_status, close_reason)
    note = clean_text(note)
    if len(note) > MAX_TEXT:
        raise ValidationError(
            {"note": [_("Keep the note under %(n)d characters.") % {"n": MAX_TEXT}]}
        )
    _check_media_url(media_url)
    referred_to = _check_closing(
        request, to_status, close_reason, client, photo, media_url, referred_to
    )
    cleaned = clean_photos([photo])[0] if photo else None
    at = at or timezone.now()
    from_status = request.status
    request.status = to_status
    request.close_reason = close_reason
    request.referred_to = referred_to
    request.closed_at = at if to_status == Status.CLOSED else None
    if from_status == Status.NEW and request.acknowledged_at is None:
        request.acknowledged_at = at
    if note and public:
        request.status_notes = note
    request.updated_at = max(request.updated_at, at)
    if cleaned:
        request.has_photos = True
    _save(
        request,
        [
            "status",
            "close_reason",
            "referred_to",
            "closed_at",
            "acknowledged_at",
            "status_notes",
            "has_photos",
        ],
    )
    event = events.status_changed(
        request,
        actor=actor,
        at=at,
        from_status=from_status,
        note=note,
        public=public,
        external_id=external_id,
        media_url=media_url,
        referred_to=referred_to,
    )
    if cleaned:
        _store_photo(request, cleaned, event)
    return event


REFERRED_TO_MAX = ServiceRequest._meta.get_field("referred_to").max_length


def _load_after_photo_types(jurisdiction_id: int) -> frozenset[int]:
    return frozenset(
        ServiceType.objects.filter(
            jurisdiction_id=jurisdiction_id, after_photo_required=True
        ).values_list("id", flat=True)
    )


# Read on every close: each process keeps them until the catalog changes (a bulk close of
# 500 requests then reads no service type).
_after_photo_types = Snapshot(
    "reports.after_photo_types", _load_after_photo_types, models=(ServiceType,)
)


def _check_closing(request, to_status, close_reason, client, photo, media_url, referred_to) -> str:
    """The closing rules of `transition`; returns the agency a referred request goes to."""
    referred_to = clean_text(referred_to)
    referring = to_status == Status.CLOSED and close_reason == CloseReason.REFERRED
    errors = {}
    if referred_to and not referring:
        errors["referred_to"] = [_("Name an agency only when referring the request to it.")]
    elif len(referred_to) > REFERRED_TO_MAX:
        errors["referred_to"] = [
            _("Keep the agency's name under %(n)d characters.") % {"n": REFERRED_TO_MAX}
        ]
    elif referring and not referred_to and client is None:
        errors["referred_to"] = [_("Say which agency the request is referred to, e.g. Caltrans.")]
    if (
        to_status == Status.CLOSED
        and close_reason == CloseReason.FIXED
        and not (photo or media_url)
        and client is None
        and request.service_type_id in _after_photo_types.get(request.jurisdiction_id)
    ):
        errors["photo"] = [
            _("%(s)s requests close as fixed with a photo of the work done: add the after-photo.")
            % {"s": request.service_type.name}
        ]
    if errors:
        raise ValidationError(errors)
    return referred_to


def _check_media_url(media_url: str) -> None:
    if len(media_url) > MEDIA_URL_MAX:
        raise ValidationError(
            {"media_url": [_("Keep the URL under %(n)d characters.") % {"n": MEDIA_URL_MAX}]}
        )
    if media_url:
        try:
            URLValidator(schemes=["http", "https"])(media_url)
        except ValidationError:
            raise ValidationError(
                {"media_url": [_("%(u)s is not an http(s) URL.") % {"u": media_url[:200]}]}
            ) from None


@transaction.atomic
def add_update(
    *,
    request: ServiceRequest,
    text: str,
    actor: Actor,
    public: bool = True,
    photo: tuple[bytes, str] | None = None,
    at: datetime | None = None,
    external_id: str = "",
    media_url: str = "",
    client: ApiClient | None = None,
    awaiting_confirmation: bool = False,
) -> Event:
    """A public update (shown to residents) or an internal note, optionally with a photo
    (uploaded, or a link to one hosted elsewhere).

    `awaiting_confirmation`: a resident's comment that goes public once its author confirms
    by e-mail (`confirmations.confirm_comment`); the request does not change until then.
    """
    _check_authority(request, actor, client, change=False)
    text = clean_text(text)
    if not text and not photo and not media_url:
        raise ValidationError({"text": [_("Write the update.")]})
    if len(text) > MAX_TEXT:
        raise ValidationError({"text": [_("Keep it under %(n)d characters.") % {"n": MAX_TEXT}]})
    _check_media_url(media_url)
    cleaned = clean_photos([photo])[0] if photo else None
    request = _locked(request)
    at = at or timezone.now()
    if public and not awaiting_confirmation:
        request.updated_at = max(request.updated_at, at)
        _save(request, [])
    event = events.update(
        request,
        actor=actor,
        at=at,
        text=text,
        public=public,
        external_id=external_id,
        media_url=media_url,
        awaiting_confirmation=awaiting_confirmation and public,
    )
    if cleaned:
        _store_photo(request, cleaned, event)
        if not request.has_photos:
            # Not through _save: an internal note's photo must not touch updated_at.
            ServiceRequest.objects.filter(pk=request.pk).update(has_photos=True)
            request.has_photos = True
    return event


@transaction.atomic
def assign(
    *,
    request: ServiceRequest,
    actor: Actor,
    department: Department | None = None,
    assignee: AbstractBaseUser | None = None,
) -> Event:
    """Give the request to a department and/or a person; a new department is public."""
    if department is None and assignee is None:
        raise ValidationError({"department": [_("Choose a department or a person.")]})
    _check_authority(request, actor, None)
    if assignee is not None and not scope.may_act_in(assignee, request.jurisdiction_id):
        raise ValidationError(
            {"assignee": [_("%(u)s does not work for this jurisdiction.") % {"u": assignee}]}
        )
    request = _locked(request)
    if department is not None and department.jurisdiction_id != request.jurisdiction_id:
        raise ValidationError(
            {
                "department": [
                    _("%(d)s does not belong to %(j)s.")
                    % {"d": department, "j": request.jurisdiction}
                ]
            }
        )
    data, fields = {}, []
    if department is not None and department.pk != request.department_id:
        request.department = department
        data["department"] = department.name
        fields.append("department")
    if assignee is not None and assignee.pk != request.assignee_id:
        request.assignee = assignee
        data["assignee"] = assignee.get_username()
        fields.append("assignee")
    if not fields:
        raise ValidationError({"department": [_("It is already assigned so.")]})
    at = timezone.now()
    request.updated_at = at
    _save(request, fields)
    return events.assigned(request, actor=actor, at=at, public="department" in data, data=data)


def _root(request: ServiceRequest) -> ServiceRequest:
    seen = {request.pk}
    while request.duplicate_of_id and request.duplicate_of_id not in seen:
        seen.add(request.duplicate_of_id)
        request = request.duplicate_of
    return request


@transaction.atomic
def merge(
    *, duplicate: ServiceRequest, canonical: ServiceRequest, actor: Actor, note: str = ""
) -> ServiceRequest:
    """Close `duplicate` as a duplicate of `canonical`; supporters and followers move over.

    The duplicate's reporter becomes a supporter and follower of the canonical request.
    Returns the canonical request (the root, when `canonical` was itself merged).
    """
    canonical = _root(canonical)
    note = clean_text(note)
    if canonical.pk == duplicate.pk:
        raise ValidationError({"canonical": [_("A request cannot be a duplicate of itself.")]})
    if canonical.jurisdiction_id != duplicate.jurisdiction_id:
        raise ValidationError({"canonical": [_("Both requests must be in the same jurisdiction.")]})
    _check_authority(duplicate, actor, None)
    duplicate, canonical = _locked(duplicate), _locked(canonical)
    if duplicate.duplicate_of_id:
        raise ValidationError(
            {"duplicate": [_("%(r)s is already merged.") % {"r": duplicate.public_id}]}
        )
    if not canonical.is_open:
        raise ValidationError(
            {
                "canonical": [
                    _("%(r)s is closed; reopen it before merging into it.")
                    % {"r": canonical.public_id}
                ]
            }
        )
    at = timezone.now()
    if duplicate.is_open:
        from_status = duplicate.status
        duplicate.status, duplicate.close_reason, duplicate.closed_at = (
            Status.CLOSED,
            CloseReason.DUPLICATE,
            at,
        )
        events.status_changed(
            duplicate,
            actor=actor,
            at=at,
            from_status=from_status,
            note=_("Duplicate of %(r)s") % {"r": canonical.public_id},
        )
    duplicate.duplicate_of = canonical
    duplicate.updated_at = at
    _save(duplicate, ["status", "close_reason", "closed_at", "duplicate_of"])
    _move_people(duplicate, canonical)
    # The duplicate's own merged duplicates count too: they are the same problem.
    canonical.duplicate_count += 1 + duplicate.duplicate_count
    canonical.updated_at = at
    _save(canonical, ["support_count", "follow_count", "duplicate_count"])
    events.merged(duplicate, canonical, actor=actor, at=at, note=note)
    return canonical


def _move_people(duplicate: ServiceRequest, canonical: ServiceRequest) -> None:
    supports = list(duplicate.supports.all())
    follows = list(duplicate.follows.filter(active=True))
    if duplicate.reporter_id:
        supports.append(Support(contact_id=duplicate.reporter_id))
        follows.append(Follow(contact_id=duplicate.reporter_id))
    for support in supports:
        _add_support(
            canonical,
            user_id=support.user_id,
            contact_id=support.contact_id,
            client_key=support.client_key,
        )
    for follow in follows:
        _add_follow(canonical, user_id=follow.user_id, contact_id=follow.contact_id)
    canonical.support_count = canonical.supports.count()
    canonical.follow_count = canonical.follows.filter(active=True).count()


def _add_support(request, **who) -> bool:
    who = {k: v for k, v in who.items() if v}
    if not who:
        return False
    try:
        with transaction.atomic():
            Support.objects.create(request=request, **who)
    except IntegrityError:
        return False
    return True


def _add_follow(request, **who) -> bool:
    who = {k: v for k, v in who.items() if v}
    follow, created = Follow.objects.get_or_create(request=request, **who)
    if not created and not follow.active:
        follow.active = True
        follow.save(update_fields=["active"])
        return True
    return created


def _who(actor: Actor) -> dict:
    if isinstance(actor, Contact):
        return {"contact_id": actor.pk}
    if actor is not None and not isinstance(actor, str) and actor.is_authenticated:
        return {"user_id": actor.pk}
    return {}


@transaction.atomic
def support(
    *,
    request: ServiceRequest,
    actor: Actor,
    client_key: str = "",
    client: ApiClient | None = None,
) -> bool:
    """Add a "me too". Returns False when this person already supports it: the same user,
    else contact, else client (`client_key`, from fixboard.core.limits.anonymous_key)."""
    _check_client(client, request.jurisdiction_id)
    who = _who(actor) or ({"client_key": client_key} if client_key else {})
    if not who:
        raise ValidationError({"supporter": [_("Sign in to add your support.")]})
    request = _locked(request)
    if not request.is_open:
        raise ValidationError({"request": [_("This request is closed.")]})
    if not _add_support(request, **who):
        return False
    request.support_count = F("support_count") + 1
    _save_counter(request, "support_count")
    events.supported(request, actor=actor, at=timezone.now())
    return True


@transaction.atomic
def follow(*, request: ServiceRequest, actor: Actor, client: ApiClient | None = None) -> bool:
    """Subscribe a user or contact to a request's changes. False if already following."""
    _check_client(client, request.jurisdiction_id)
    who = _who(actor)
    if not who:
        raise ValidationError({"follower": [_("Give an e-mail address or sign in to follow.")]})
    request = _locked(request)
    if not _add_follow(request, **who):
        return False
    request.follow_count = F("follow_count") + 1
    _save_counter(request, "follow_count")
    events.followed(request, actor=actor, at=timezone.now())
    return True


@transaction.atomic
def add_caller(*, request: ServiceRequest, contact: Contact, actor: Actor) -> Event:
    """A caller reports, by phone, a problem already open: they support and follow the
    request, and the call is on its timeline ("another resident reported this by phone";
    staff see who took it). A caller already supporting it is told so."""
    _check_authority(request, actor, None, change=False)
    request = _locked(request)
    if not request.is_open:
        raise ValidationError({"request": [_("This request is closed.")]})
    if request.reporter_id == contact.pk:
        raise ValidationError({"request": [_("This caller reported this request.")]})
    supported = _add_support(request, contact_id=contact.pk)
    followed = _add_follow(request, contact_id=contact.pk)
    if not (supported or followed):
        raise ValidationError({"request": [_("This caller is already on this request.")]})
    if supported:
        request.support_count = F("support_count") + 1
        _save_counter(request, "support_count")
    if followed:
        request.follow_count = F("follow_count") + 1
        _save_counter(request, "follow_count")
    return events.caller_added(request, actor=actor, at=timezone.now(), contact=contact)


@transaction.atomic
def unfollow(*, request: ServiceRequest, actor: Actor) -> bool:
    """Stop notifications for this person; False if they were not following."""
    changed = Follow.objects.filter(request=request, active=True, **_who(actor)).update(
        active=False
    )
    if changed:
        ServiceRequest.objects.filter(pk=request.pk).update(
            follow_count=F("follow_count") - changed
        )
    return bool(changed)


def _save_counter(request: ServiceRequest, field: str) -> None:
    # Supporters and followers do not change updated_at: Open311 clients poll it for status.
    request.save(update_fields=[field])
    request.refresh_from_db(fields=[field])


# --- E-mail confirmation and account linking (used by fixboard.notify) -----------------------


@transaction.atomic
def confirm_request(*, request: ServiceRequest, actor: Actor) -> bool:
    """Make a request awaiting e-mail confirmation live; False if it already was.

    The reporter's e-mail counts as verified from now on.
    """
    request = _locked(request)
    if not request.awaiting_confirmation:
        return False
    at = timezone.now()
    request.awaiting_confirmation = False
    request.updated_at = max(request.updated_at, at)
    _save(request, ["awaiting_confirmation"])
    if request.reporter_id:
        Contact.objects.filter(pk=request.reporter_id).update(email_verified=True)
    events.confirmed(request, actor=actor, at=at)
    return True


@transaction.atomic
def claim_contacts(*, user: AbstractBaseUser, email: str) -> int:
    """Link the contacts with this (just verified) e-mail to `user`; returns how many."""
    email = email.strip().lower()
    if not email:
        raise ValidationError({"email": [_("Give an e-mail address.")]})
    return Contact.objects.filter(email=email).update(user=user, email_verified=True)


# --- Following by e-mail: confirmed by a link (sent by fixboard.notify) ----------------------

# A follow link per address and request at most this often, and this many per address a day.
FOLLOW_LINK_INTERVAL = timedelta(minutes=5)
FOLLOW_LINKS_PER_DAY = 10


@transaction.atomic
def ask_to_follow(*, request: ServiceRequest, email: str, language: str = "") -> bool:
    """Ask the owner of `email` to confirm that they want to follow the request.

    Nothing is followed (or counted) until they open the e-mailed link (`confirm_follow`), so
    nobody can subscribe someone else's address. Returns False, sending nothing new, when a
    link for this request went to this address in the last few minutes.
    """
    contact = upsert_contact(ContactDetails(email=email, language=language))
    if contact is None or not contact.email:
        raise ValidationError({"email": [_("Give an e-mail address or sign in to follow.")]})
    # Locked so that two quick clicks send one link.
    request = _locked(request)
    now = timezone.now()
    asked = Event.objects.filter(kind=Event.Kind.FOLLOW_REQUESTED, actor_contact=contact)
    if asked.filter(request=request, created_at__gte=now - FOLLOW_LINK_INTERVAL).exists():
        return False
    if asked.filter(created_at__gte=now - timedelta(days=1)).count() >= FOLLOW_LINKS_PER_DAY:
        raise ValidationError(
            {
                "email": [
                    _(
                        "We have sent several links to this address today. "
                        "Use one of them, or try again tomorrow."
                    )
                ]
            }
        )
    events.follow_requested(request, actor=contact, at=now, language=language)
    return True


@transaction.atomic
def confirm_follow(*, request: ServiceRequest, contact: Contact) -> bool:
    """Follow the request for the contact who opened the link of `ask_to_follow`.

    Their e-mail counts as verified from now on. False if they already followed it.
    """
    Contact.objects.filter(pk=contact.pk).update(email_verified=True)
    return follow(request=request, actor=contact)


# --- Comment moderation --------------------------------------------------------------------

MODERATOR_ROLES = (User.Role.AGENT, User.Role.ADMIN)
MAX_REASON = 500


def may_moderate(user, jurisdiction_id: int | None = None) -> bool:
    """City call-takers and admins may hide and restore residents' comments: in their
    jurisdictions, or (without `jurisdiction_id`) somewhere."""
    return (
        isinstance(user, AbstractBaseUser)
        and user.is_active
        and (user.is_superuser or getattr(user, "role", "") in MODERATOR_ROLES)
        and (jurisdiction_id is None or scope.may_act_in(user, jurisdiction_id))
    )


def _check_comment(comment: Event) -> None:
    if comment.kind != Event.Kind.PUBLIC_UPDATE:
        raise ValidationError({"comment": [_("Only public comments can be reported or hidden.")]})


@transaction.atomic
def flag_comment(*, comment: Event, actor: Actor, client_key: str = "") -> bool:
    """A resident's "report this comment" for the moderators; once per person.

    Returns False when this user (or else this client, `client_key`) already reported it.
    """
    _check_comment(comment)
    if comment.hidden:
        raise ValidationError({"comment": [_("This comment is already hidden.")]})
    user_id = _who(actor).get("user_id")
    who = {"user_id": user_id} if user_id else {"client_key": client_key}
    if not (user_id or client_key):
        raise ValidationError({"comment": [_("Sign in to report a comment.")]})
    try:
        with transaction.atomic():
            CommentFlag.objects.create(comment=comment, **who)
    except IntegrityError:
        return False
    events.comment_flagged(comment.request, actor=actor, at=timezone.now(), comment=comment)
    return True


@transaction.atomic
def hide_comment(*, comment: Event, actor: Actor, reason: str) -> Event:
    """Hide a comment from every public output; staff still see it, who hid it and why."""
    return _moderate(comment, actor=actor, reason=reason, hidden=True)


@transaction.atomic
def restore_comment(*, comment: Event, actor: Actor, reason: str) -> Event:
    """Show a hidden comment again (e-mails cancelled while it was hidden stay unsent)."""
    return _moderate(comment, actor=actor, reason=reason, hidden=False)


def _moderate(comment: Event, *, actor: Actor, reason: str, hidden: bool) -> Event:
    if not may_moderate(actor):
        raise PermissionDenied(_("Only city staff can hide or restore comments."))
    scope.check_may_act_in(actor, comment.request.jurisdiction_id)
    _check_comment(comment)
    reason = clean_text(reason)
    if not reason:
        raise ValidationError({"reason": [_("Give the reason; other staff will see it.")]})
    if len(reason) > MAX_REASON:
        raise ValidationError(
            {"reason": [_("Keep the reason under %(n)d characters.") % {"n": MAX_REASON}]}
        )
    request = _locked(comment.request)
    comment = Event.objects.select_for_update().get(pk=comment.pk)
    if comment.hidden == hidden:
        raise ValidationError(
            {
                "comment": [
                    _("This comment is already hidden.")
                    if hidden
                    else _("This comment is not hidden.")
                ]
            }
        )
    comment.hidden = hidden
    comment.save(update_fields=["hidden"])
    at = timezone.now()
    # Open311 clients re-read requests updated since their last poll: their notes changed.
    request.updated_at = max(request.updated_at, at)
    _save(request, [])
    return events.comment_moderated(request, actor=actor, at=at, comment=comment, reason=reason)
