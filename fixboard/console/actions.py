"""Writes of the call console: a call from its start to its wrap-up.

Requests themselves change only through fixboard.reports.actions; these functions record
what the call-taker found and did, and when the call ended (its handle time).
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fixboard.accounts import scope
from fixboard.catalog.models import CallTopic, ServiceType
from fixboard.places.models import Jurisdiction
from fixboard.places.search import AddressMatch
from fixboard.reports import actions as reports
from fixboard.reports.models import Channel, Contact, ServiceRequest

from .models import Call, Outcome


def _locked(call: Call) -> Call:
    return Call.objects.select_for_update().get(pk=call.pk)


def _check_on(call: Call) -> None:
    if not call.is_on:
        raise ValidationError({"call": [_("This call has ended; start a new one (Alt+N).")]})


@transaction.atomic
def start_call(*, agent, jurisdiction: Jurisdiction) -> Call:
    """A new call for `agent` in `jurisdiction`; their call still on (if any) is wrapped up
    first, as abandoned unless something came of it."""
    scope.check_may_act_in(agent, jurisdiction)
    for call in Call.objects.select_for_update().filter(agent=agent, ended_at__isnull=True):
        _wrap_up(call)
    return Call.objects.create(jurisdiction=jurisdiction, agent=agent, started_at=timezone.now())


def _wrap_up(call: Call, notes: str = "") -> None:
    call.ended_at = timezone.now()
    call.outcome = call.outcome or Outcome.ABANDONED
    call.notes = notes.strip() or call.notes
    call.save(update_fields=["ended_at", "outcome", "notes"])


@transaction.atomic
def end_call(*, call: Call, notes: str = "") -> Call:
    """Wrap the call up: its handle time ends now; abandoned if nothing came of it."""
    call = _locked(call)
    _check_on(call)
    _wrap_up(call, notes)
    return call


@transaction.atomic
def identify_caller(*, call: Call, contact: Contact, phone: str = "") -> Call:
    """The caller is `contact` (found or just created); `phone` is the number as given."""
    call = _locked(call)
    _check_on(call)
    call.contact = contact
    call.phone = (phone or contact.phone)[:40]
    call.save(update_fields=["contact", "phone"])
    return call


@transaction.atomic
def change_caller(*, call: Call) -> Call:
    """Someone else is the caller: the wrong person was picked, or a second caller is on
    the line. The place and problem found so far stay. A call that has done nothing yet
    simply loses its caller; one that has (a request filed or joined, a status given) is
    wrapped up with that outcome, and a new call for the next caller carries its place
    and problem on, so each call records one caller and its handle time. Returns the call
    to go on with."""
    call = _locked(call)
    _check_on(call)
    if call.contact_id is None and not call.phone:
        raise ValidationError({"caller": [_("There is no caller on this call yet.")]})
    if not call.outcome:
        call.contact, call.phone = None, ""
        call.save(update_fields=["contact", "phone"])
        return call
    _wrap_up(call)
    return Call.objects.create(
        jurisdiction=call.jurisdiction,
        agent=call.agent,
        started_at=timezone.now(),
        address=call.address,
        zipcode=call.zipcode,
        lat=call.lat,
        long=call.long,
        service_type=call.service_type,
    )


@transaction.atomic
def set_place(*, call: Call, place: AddressMatch) -> Call:
    """Where the problem is: an address found, or a point picked on the map (named by its
    nearest address). ValidationError when the city cannot act there."""
    reports.check_location(call.jurisdiction, place.lat, place.long)
    call = _locked(call)
    _check_on(call)
    call.address, call.zipcode = place.address[:300], place.zipcode[:20]
    call.lat, call.long = place.lat, place.long
    call.save(update_fields=["address", "zipcode", "lat", "long"])
    return call


@transaction.atomic
def set_service_type(*, call: Call, service_type: ServiceType) -> Call:
    if service_type.jurisdiction_id != call.jurisdiction_id or not service_type.active:
        raise ValidationError({"service_type": [_("Choose one of the city's active services.")]})
    call = _locked(call)
    _check_on(call)
    call.service_type = service_type
    call.save(update_fields=["service_type"])
    return call


def _check_may_file(call: Call) -> None:
    errors = {}
    if call.lat is None:
        errors["place"] = [_("Find the place first.")]
    if call.service_type_id is None:
        errors["service_type"] = [_("Choose the problem first.")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def file_request(*, call: Call, attributes: dict, description: str = "") -> ServiceRequest:
    """The caller's report, as a new request by phone with the call-taker as its actor."""
    call = _locked(call)
    _check_on(call)
    _check_may_file(call)
    if call.request_id:
        raise ValidationError({"call": [_("This call already made a request.")]})
    request = reports.submit_request(
        service_type=call.service_type,
        lat=call.lat,
        long=call.long,
        address=call.address,
        zipcode=call.zipcode,
        attributes=attributes,
        description=description,
        channel=Channel.PHONE,
        reporter=call.contact,
        actor=call.agent,
    )
    call.request, call.outcome = request, Outcome.NEW_REQUEST
    call.save(update_fields=["request", "outcome"])
    return request


@transaction.atomic
def add_caller_to(*, call: Call, request: ServiceRequest) -> ServiceRequest:
    """The caller's problem is already reported: they join `request` (support, follow, a
    timeline entry) instead of filing a duplicate."""
    call = _locked(call)
    _check_on(call)
    if call.contact_id is None:
        raise ValidationError({"caller": [_("Find or add the caller first.")]})
    if request.jurisdiction_id != call.jurisdiction_id:
        raise PermissionDenied(_("This request is in another city."))
    reports.add_caller(request=request, contact=call.contact, actor=call.agent)
    call.request, call.outcome = request, Outcome.ADDED_TO_EXISTING
    call.save(update_fields=["request", "outcome"])
    return request


@transaction.atomic
def give_status(*, call: Call) -> Call:
    """The caller asked after their requests and was read the status."""
    call = _locked(call)
    _check_on(call)
    if not call.outcome:
        call.outcome = Outcome.STATUS_GIVEN
        call.save(update_fields=["outcome"])
    return call


@transaction.atomic
def log_informational(*, call: Call, topic: CallTopic) -> Call:
    """An informational call about `topic`, answered and wrapped up."""
    if topic.jurisdiction_id != call.jurisdiction_id or not topic.active:
        raise ValidationError({"topic": [_("Choose one of the city's active topics.")]})
    call = _locked(call)
    _check_on(call)
    call.topic = topic
    if not call.outcome:
        call.outcome = Outcome.INFORMATIONAL
    call.save(update_fields=["topic", "outcome"])
    _wrap_up(call)
    return call
