"""The call console: one page for the call on, every step a small form.

Each step posts, calls one domain function and comes back to the page (PRG); a refusal
comes back with the reasons next to the fields (400). With htmx (hx-boost) the page's
call region alone is swapped, and focus goes where the next keystroke belongs.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from fixboard.accounts.models import User
from fixboard.catalog.models import CallTopic, ServiceType
from fixboard.core.phones import display_phone, parse_phone
from fixboard.places.search import AddressMatch, nearest_address, search_addresses
from fixboard.reports.actions import ContactDetails, save_caller
from fixboard.reports.contacts import find_contacts
from fixboard.reports.models import Contact, ServiceRequest
from fixboard.reports.public_ids import normalize_public_id
from fixboard.work.access import staff_only

from . import actions, emailing, selectors, texting
from .page import answers_of, keep_draft, page

CONSOLE_ROLES = (User.Role.AGENT, User.Role.MANAGER, User.Role.ADMIN)
console_only = staff_only(roles=CONSOLE_ROLES)


def _call_or_404(request, pk: int):
    call = selectors.call_of(request.user, pk)
    if call is None:
        raise Http404(_("No such call of yours."))
    return call


def _back():
    return redirect("console:home")


def _refused(request, call, exc: ValidationError, **extra):
    return page(request, call, errors=exc.message_dict, status=400, **extra)


@require_GET
@console_only
def home(request):
    return page(request, selectors.current_call(request.user))


@require_POST
@console_only
def start(request):
    places = selectors.console_jurisdictions(request.user)
    chosen = request.POST.get("jurisdiction", "")
    jurisdiction = next((j for j in places if str(j.pk) == chosen), None)
    if not chosen and len(places) == 1:
        jurisdiction = places[0]
    if jurisdiction is None:
        error = ValidationError({"jurisdiction": [_("Choose the city this call is for.")]})
        return _refused(request, None, error)
    actions.start_call(agent=request.user, jurisdiction=jurisdiction)
    return _back()


# --- Caller --------------------------------------------------------------------------------


@require_POST
@console_only
def caller(request, pk):
    call = _call_or_404(request, pk)
    operation = request.POST.get("operation", "find")
    try:
        if operation == "find":
            return _find_caller(request, call)
        if operation == "pick":
            contact = Contact.objects.filter(pk=request.POST.get("contact") or 0).first()
            if contact is None:
                raise ValidationError({"caller": [_("Pick one of the callers found.")]})
            actions.identify_caller(call=call, contact=contact)
        elif operation == "consent" and call.contact:
            known = call.contact
            save_caller(
                details=ContactDetails(name=known.name, phone=known.phone, email=known.email),
                may_text=bool(request.POST.get("may_text")),
                may_email=bool(request.POST.get("may_email")),
                contact=known,
            )
        else:
            contact = save_caller(
                details=ContactDetails(
                    name=request.POST.get("name", ""),
                    phone=request.POST.get("phone", ""),
                    email=request.POST.get("email", ""),
                ),
                may_text=bool(request.POST.get("may_text")),
                may_email=bool(request.POST.get("may_email")),
            )
            actions.identify_caller(call=call, contact=contact, phone=request.POST.get("phone"))
    except ValidationError as exc:
        return _refused(request, call, exc, new_caller=dict(request.POST.items()))
    return _back()


@require_POST
@console_only
def change_caller(request, pk):
    """Another caller (Alt+R): the caller step opens again; the place, the problem and the
    answers typed so far for a new request stay."""
    call = _call_or_404(request, pk)
    try:
        going_on = actions.change_caller(call=call)
    except ValidationError as exc:
        return _refused(request, call, exc)
    if going_on.pk == call.pk:
        keep_draft(request, call, request.POST)
        messages.info(request, _("Find the caller: the place and problem stay."))
    else:
        messages.info(
            request,
            _(
                "The call with the first caller is wrapped up. Find the next caller: "
                "the place and problem stay."
            ),
        )
    return _back()


def _find_caller(request, call):
    typed = request.POST.get("q", "").strip()
    if not typed:
        error = ValidationError({"q": [_("Type the caller's phone number or e-mail address.")]})
        return _refused(request, call, error)
    try:
        found = find_contacts(typed)
    except ValidationError as exc:
        return _refused(request, call, ValidationError({"q": exc.messages}), typed=typed)
    if len(found) == 1:
        actions.identify_caller(call=call, contact=found[0], phone=typed)
        return _back()
    given = {"email": typed} if "@" in typed else {"phone": display_phone(parse_phone(typed))}
    focus = "caller-first" if found else "caller-name"
    return page(request, call, callers=found, typed=typed, new_caller=given, focus=focus)


# --- Place ---------------------------------------------------------------------------------


def _chosen_place(value: str) -> AddressMatch | None:
    """A suggestion's value: "lat,long|zipcode|address"."""
    try:
        point, zipcode, address = value.split("|", 2)
        lat, long = (float(x) for x in point.split(","))
    except ValueError:
        return None
    return AddressMatch(address=address, zipcode=zipcode, lat=lat, long=long)


def _picked_point(call, post) -> AddressMatch | None:
    try:
        lat, long = float(post["lat"]), float(post["long"])
    except (KeyError, ValueError):
        return None
    near = nearest_address(call.jurisdiction, lat, long)
    address = (
        near.address
        if near
        else _("Point on the map (%(lat).5f, %(long).5f)")
        % {
            "lat": lat,
            "long": long,
        }
    )
    return AddressMatch(address=address, zipcode=near.zipcode if near else "", lat=lat, long=long)


@require_POST
@console_only
def place(request, pk):
    call = _call_or_404(request, pk)
    typed = request.POST.get("q", "").strip()
    if request.POST.get("choice"):
        chosen = _chosen_place(request.POST["choice"])
    elif request.POST.get("lat"):
        chosen = _picked_point(call, request.POST)
    else:
        found = search_addresses(call.jurisdiction, typed, limit=1) if typed else []
        chosen = found[0] if found else None
    if chosen is None:
        message = (
            _(
                "No known address starts with “%(t)s”: try the number and street only, "
                "or pick the place on the map."
            )
            % {"t": typed}
            if typed
            else _("Type the address, or pick the place on the map.")
        )
        return _refused(request, call, ValidationError({"place": [message]}), place_typed=typed)
    try:
        actions.set_place(call=call, place=chosen)
    except ValidationError as exc:
        errors = {"place": [m for ms in exc.message_dict.values() for m in ms]}
        return _refused(request, call, ValidationError(errors), place_typed=typed)
    return _back()


@require_GET
@console_only
def places(request, pk):
    call = _call_or_404(request, pk)
    found = search_addresses(call.jurisdiction, request.GET.get("q", ""))
    context = {"call": call, "places": found, "q": request.GET.get("q", "")}
    return render(request, "console/_place_suggestions.html", context)


# --- Problem -------------------------------------------------------------------------------


@require_POST
@console_only
def problem(request, pk):
    call = _call_or_404(request, pk)
    typed = request.POST.get("q", "").strip()
    if request.POST.get("choice"):
        chosen = ServiceType.objects.filter(
            jurisdiction=call.jurisdiction, active=True, pk=request.POST["choice"] or 0
        ).first()
    else:
        found = selectors.find_service_types(call.jurisdiction, typed, limit=1)
        chosen = found[0] if found else None
    if chosen is None:
        message = (
            _("No service matches “%(t)s”: try another word (graffiti, pothole, bulky…).")
            % {"t": typed}
            if typed
            else _("Type what the problem is, e.g. graffiti or pothole.")
        )
        error = ValidationError({"service_type": [message]})
        return _refused(request, call, error, problem_typed=typed)
    actions.set_service_type(call=call, service_type=chosen)
    return _back()


@require_GET
@console_only
def problems(request, pk):
    call = _call_or_404(request, pk)
    found = selectors.find_service_types(call.jurisdiction, request.GET.get("q", ""))
    return render(request, "console/_problem_suggestions.html", {"call": call, "services": found})


# --- Outcomes ------------------------------------------------------------------------------


@require_POST
@console_only
def create(request, pk):
    call = _call_or_404(request, pk)
    try:
        actions.file_request(
            call=call,
            attributes=answers_of(call.service_type, request.POST) if call.service_type else {},
            description=request.POST.get("description", ""),
        )
    except ValidationError as exc:
        return _refused(request, call, exc, answers=request.POST)
    return _back()


@require_POST
@console_only
def add(request, pk, public_id):
    call = _call_or_404(request, pk)
    target = ServiceRequest.objects.filter(public_id=normalize_public_id(public_id)).first()
    if target is None:
        raise Http404(_("No request %(id)s.") % {"id": public_id})
    try:
        actions.add_caller_to(call=call, request=target)
    except ValidationError as exc:
        return _refused(request, call, exc)
    return _back()


@require_POST
@console_only
def status_given(request, pk):
    actions.give_status(call=_call_or_404(request, pk))
    return _back()


@require_POST
@console_only
def informational(request, pk):
    call = _call_or_404(request, pk)
    topic = CallTopic.objects.filter(pk=request.POST.get("topic") or 0).first()
    if topic is None:
        return _refused(
            request, call, ValidationError({"topic": [_("Pick the topic the caller asked about.")]})
        )
    try:
        actions.log_informational(call=call, topic=topic)
    except ValidationError as exc:
        return _refused(request, call, exc)
    messages.success(request, _("Informational call about %(t)s logged.") % {"t": topic.name})
    return _back()


@require_POST
@console_only
def text(request, pk):
    call = _call_or_404(request, pk)
    topic = CallTopic.objects.filter(
        jurisdiction=call.jurisdiction, pk=request.POST.get("topic") or 0
    ).first()
    try:
        sent = texting.text_caller(
            call=call, what=request.POST.get("what", texting.ONLINE), topic=topic
        )
    except ValidationError as exc:
        return _refused(request, call, exc)
    messages.success(
        request,
        _("Text to %(phone)s on its way: “%(body)s”")
        % {"phone": display_phone(sent.phone), "body": sent.body},
    )
    return _back()


@require_POST
@console_only
def email(request, pk):
    """E-mail the caller the request id of this call, if they agreed to e-mails."""
    call = _call_or_404(request, pk)
    try:
        sent = emailing.email_request_id(call=call)
    except ValidationError as exc:
        return _refused(request, call, exc)
    messages.success(request, _("E-mail to %(email)s on its way.") % {"email": sent.email})
    return _back()


@require_POST
@console_only
def end(request, pk):
    call = _call_or_404(request, pk)
    try:
        actions.end_call(call=call, notes=request.POST.get("notes", ""))
    except ValidationError as exc:
        return _refused(request, call, exc)
    return _back()
