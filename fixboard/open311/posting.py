"""POST bodies → checked values for the domain (form-encoded or multipart, UTF-8)."""

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.utils.translation import gettext as _

from fixboard.catalog.models import ServiceType
from fixboard.places.models import AddressPoint, Jurisdiction
from fixboard.places.search import search_addresses
from fixboard.reports.actions import ContactDetails
from fixboard.reports.attributes import MAX_TEXT, clean_attributes
from fixboard.reports.models import Event, ServiceRequest
from fixboard.reports.open311_statuses import Target, crm_target, target_of
from fixboard.reports.photos import check_uploads

from . import params
from .actions import NewRequest
from .errors import Open311Error, bad_request, from_validation_error

ADDRESS_ID_MAX = ServiceRequest._meta.get_field("address_id").max_length
# Bromley's address_id for "the resident gave no point": the address_string is all there is.
NOT_PINPOINTED = "#NOTPINPOINTED#"
UPDATE_ID_MAX = Event._meta.get_field("external_id").max_length
_ATTRIBUTE = re.compile(r"^attribute\[([^\]]+)\](\[\])?$")


def fingerprint(data, files) -> str:
    """A hash of everything posted but the key: equal for a resent identical POST."""
    digest = hashlib.sha256()
    for name in sorted(k for k in data if k != "api_key"):
        for value in data.getlist(name):
            digest.update(f"{name}\0{value}\0".encode())
    for name in sorted(files):
        for upload in files.getlist(name):
            digest.update(name.encode() + b"\0")
            for chunk in upload.chunks():
                digest.update(chunk)
            upload.seek(0)
    return digest.hexdigest()


def check_text(value: str, name: str) -> list[str]:
    """Problems of a free text: too long. Angle brackets are text like any other ("contact
    <jane@example.org>"): stored as typed, escaped by every output (XML, JSON, pages, feeds)."""
    if len(value) > MAX_TEXT:
        return [
            _("%(p)s: keep it under %(n)d characters (it has %(m)d).")
            % {"p": name, "n": MAX_TEXT, "m": len(value)}
        ]
    return []


def answers(data) -> dict:
    """attribute[code]=v and attribute[code][]=v1&attribute[code][]=v2 → {code: v or [v…]}."""
    found = {}
    for name in data:
        match = _ATTRIBUTE.match(name)
        if not match:
            continue
        values = [v for v in data.getlist(name) if v.strip()]
        if not values:
            continue
        found[match.group(1)] = values if match.group(2) or len(values) > 1 else values[0]
    return found


def _place(data, jurisdiction: Jurisdiction) -> tuple:
    """(lat, long, address, zipcode) from lat+long, address_id or address_string.

    An address_id sent with lat and long is kept as the client's own reference; sent alone,
    it must be an id of the address index, which gives the location, or Bromley's
    #NOTPINPOINTED#. An address_string is looked up in the address index; one it does not
    know is kept as given, with lat and long None: the request then waits for staff to
    place it (`reports.actions.submit_request`).
    """
    lat, long = params.text(data, "lat"), params.text(data, "long")
    address = params.text(data, "address_string")
    address_id = params.text(data, "address_id")
    if len(address_id) > ADDRESS_ID_MAX:
        raise bad_request(_("address_id: keep it under %(n)d characters.") % {"n": ADDRESS_ID_MAX})
    if lat or long:
        if not (lat and long):
            raise bad_request(_("Send both lat and long, in decimal degrees (WGS84)."))
        problems = []
        lat = _collect(problems, lambda: params.number(data, "lat", low=-90, high=90))
        long = _collect(problems, lambda: params.number(data, "long", low=-180, high=180))
        if problems:
            raise bad_request(*problems)
        return lat, long, address, ""
    if address_id and address_id.upper() != NOT_PINPOINTED:
        point = AddressPoint.objects.filter(
            jurisdiction=jurisdiction, pk=address_id if address_id.isdigit() else None
        ).first()
        if point is None:
            raise bad_request(
                _("address_id: %(a)s is not an address id of %(j)s.")
                % {"a": address_id, "j": jurisdiction.name}
            )
        return point.lat, point.long, address or point.address, point.zipcode
    if address:
        found = search_addresses(jurisdiction, address, limit=1)
        if found:
            return found[0].lat, found[0].long, address, found[0].zipcode
        return None, None, address, ""
    if address_id:
        raise bad_request(
            _("address_string: say where it is; address_id %(a)s gives no place.")
            % {"a": address_id}
        )
    raise bad_request(_("Give the location: lat and long, or address_string, or address_id."))


def _reporter(data) -> ContactDetails | None:
    email = params.text(data, "email")
    if email:
        try:
            validate_email(email)
        except ValidationError as exc:
            raise bad_request(_("email: %(e)s is not an e-mail address.") % {"e": email}) from exc
    name = " ".join(
        p for p in (params.text(data, "first_name"), params.text(data, "last_name")) if p
    )
    phone = params.text(data, "phone")
    if not (email or name or phone):
        return None
    return ContactDetails(name=name[:200], email=email, phone=phone[:40])


def media(data, files) -> tuple[str, list[tuple[bytes, str]]]:
    media_url = params.text(data, "media_url")
    if len(media_url) > 500:
        raise bad_request(_("media_url: keep the URL under 500 characters."))
    if media_url:
        try:
            URLValidator(schemes=["http", "https"])(media_url)
        except ValidationError as exc:
            raise bad_request(
                _("media_url: %(u)s is not an http(s) URL.") % {"u": media_url[:200]}
            ) from exc
    uploads = files.getlist("media")
    try:
        check_uploads([(upload.name or "photo", upload.size) for upload in uploads])
    except ValidationError as exc:
        raise bad_request(*(f"media: {m}" for m in exc.message_dict["media"])) from exc
    return media_url, [(upload.read(), upload.name or "photo") for upload in uploads]


def _collect(problems: list[str], read, *args):
    """What `read` returns, or None with its problems added to `problems`."""
    try:
        return read(*args)
    except Open311Error as exc:
        problems.extend(description for _code, description in exc.errors)
        return None


def known_answers(posted: dict, service_type: ServiceType) -> tuple[dict, list[str]]:
    """(answers to the service type's questions, codes it does not ask, in order).

    Clients send what another city's or an older definition asked (FixMyStreet sends its own
    hidden fields); refusing them would refuse the whole report, so they are left out.
    """
    asked = {d.code for d in service_type.attributes.all() if d.variable}
    return (
        {code: value for code, value in posted.items() if code in asked},
        [code for code in posted if code not in asked],
    )


def _answer_problems(service_type: ServiceType, given: dict) -> list[str]:
    try:
        clean_attributes(service_type, given)
    except ValidationError as exc:
        return [d for _code, d in from_validation_error(exc).errors]
    return []


def _ignored_notice(codes: list[str]) -> str:
    if not codes:
        return ""
    return _("Ignored %(a)s: not a question of this service.") % {
        "a": ", ".join(f"attribute[{c}]" for c in codes)
    }


def new_request(data, files, jurisdiction: Jurisdiction, service_type: ServiceType) -> NewRequest:
    """The request a POST describes; every problem found comes back together as one 400."""
    description = params.text(data, "description")
    problems = check_text(description, "description")
    place = _collect(problems, _place, data, jurisdiction)
    found_media = _collect(problems, media, data, files)
    reporter = _collect(problems, _reporter, data)
    attributes, ignored = known_answers(answers(data), service_type)
    problems += _answer_problems(service_type, attributes)
    if problems:
        raise bad_request(*problems)
    lat, long, address, zipcode = place
    media_url, photos = found_media
    return NewRequest(
        service_type=service_type,
        lat=lat,
        long=long,
        address=address,
        zipcode=zipcode,
        address_id=params.text(data, "address_id"),
        description=description,
        attributes=attributes,
        media_url=media_url,
        photos=photos,
        reporter=reporter,
        device_id=params.text(data, "device_id"),
        account_id=params.text(data, "account_id"),
        notice=_ignored_notice(ignored),
    )


@dataclass(frozen=True)
class PostedUpdate:
    """A POST servicerequestupdates, checked."""

    service_request_id: str
    update_id: str
    target: Target
    description: str
    at: datetime
    media_url: str
    photos: list[tuple[bytes, str]]


def _target(data, endpoint=None) -> Target:
    posted = params.text(data, "status")
    if endpoint is not None:
        # A city's CRM: its own code first when its mapping knows it, then its status.
        code = params.text(data, "external_status_code")
        target = crm_target(endpoint, code if code and endpoint.fixboard_status(code) else posted)
    else:
        target = target_of(posted)
    if target is None:
        raise bad_request(
            _(
                "status: %(s)s is not an extended status (OPEN, INVESTIGATING, IN_PROGRESS, "
                "ACTION_SCHEDULED, FIXED, CLOSED, DUPLICATE, NOT_COUNCILS_RESPONSIBILITY, "
                "INTERNAL_REFERRAL, NO_FURTHER_ACTION, CANCELLED, REOPEN, FOR_TRIAGE, UNCHANGED)."
            )
            % {"s": params.text(data, "status")}
        )
    return target


def new_update(data, files, tz: ZoneInfo, endpoint=None) -> PostedUpdate:
    """The update a POST describes; every problem found comes back together as one 400.
    `endpoint`: the CRM endpoint the client pushes for, whose status mapping applies."""
    problems = [
        _("%(p)s is required.") % {"p": name}
        for name in ("service_request_id", "update_id", "status", "updated_datetime")
        if not params.text(data, name)
    ]
    update_id = params.text(data, "update_id")
    if len(update_id) > UPDATE_ID_MAX:
        problems.append(_("update_id: keep it under %(n)d characters.") % {"n": UPDATE_ID_MAX})
    target = _collect(problems, _target, data, endpoint) if params.text(data, "status") else None
    description = params.text(data, "description")
    problems += check_text(description, "description")
    at = _collect(problems, params.w3c_datetime, data, "updated_datetime", tz)
    found_media = _collect(problems, media, data, files)
    if problems:
        raise bad_request(*problems)
    return PostedUpdate(
        service_request_id=params.text(data, "service_request_id"),
        update_id=update_id,
        target=target,
        description=description,
        at=at,
        media_url=found_media[0],
        photos=found_media[1],
    )
