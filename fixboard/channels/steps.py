"""The steps of a report by text: `take` a resident's answer to the step the conversation
is at, move on, and `ask` the next question. Each returns the text to send back."""

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from fixboard.catalog.models import AttributeDefinition, ServiceType
from fixboard.core import limits
from fixboard.places.search import nearest_address, search_addresses
from fixboard.reports.actions import ContactDetails, check_location, save_caller, submit_request
from fixboard.reports.attributes import MAX_TEXT, clean_value
from fixboard.reports.models import Channel

from . import locations, matching
from .language import plain
from .models import Conversation
from .status import track_url

State = Conversation.State
YES = {"YES", "Y", "SI", "S", "1", "OK", "CONFIRM", "CONFIRMAR"}
NO = {"NO", "N", "2"}
LIST = (AttributeDefinition.Datatype.SINGLEVALUELIST, AttributeDefinition.Datatype.MULTIVALUELIST)


def _service_types(conversation: Conversation) -> list[ServiceType]:
    definitions = AttributeDefinition.objects.order_by("order", "id")
    return list(
        ServiceType.objects.filter(jurisdiction=conversation.jurisdiction, public=True, active=True)
        .order_by("group", "name")
        .prefetch_related(Prefetch("attributes", definitions))
    )


def _question(conversation: Conversation) -> AttributeDefinition | None:
    """The service type's next required question not yet answered."""
    if conversation.service_type is None:
        return None
    answered = conversation.attributes
    definitions = conversation.service_type.attributes.order_by("order", "id")
    for definition in definitions:
        if definition.variable and definition.required and definition.code not in answered:
            return definition
    return None


def _save(conversation: Conversation, state: str) -> None:
    conversation.state = state
    conversation.updated_at = timezone.now()
    conversation.save()


def take(conversation: Conversation, body: str) -> str:
    """Read `body` as the answer to the conversation's step; the next question or result."""
    handler = {
        State.DESCRIBE: _take_description,
        State.PLACE: _take_place,
        State.TYPE: _take_type,
        State.QUESTION: _take_answer,
        State.CONFIRM: _take_confirmation,
    }[conversation.state]
    said = handler(conversation, body)
    if said is not None:  # the step answers itself: why the answer did not do, or the end
        conversation.updated_at = timezone.now()
        conversation.save(update_fields=["updated_at"])
        return said
    return ask(conversation)


def ask(conversation: Conversation) -> str:
    """Move to the first step still to do and return its question."""
    if not conversation.description:
        _save(conversation, State.DESCRIBE)
        return _(
            "City 311: what is the problem? Describe it in a few words. "
            "(Para español, responda ES.)"
        )
    if conversation.lat is None:
        _save(conversation, State.PLACE)
        return _(
            "Where is it? Reply with the address or the nearest corner (like “4th & Main”), "
            "or share your location from your map app."
        )
    if conversation.service_type is None:
        return _ask_type(conversation)
    if question := _question(conversation):
        return _ask_question(conversation, question)
    _save(conversation, State.CONFIRM)
    return _(
        "Report %(service)s at %(place)s: “%(description)s”? Reply YES to send it, NO to cancel."
    ) % {
        "service": conversation.service_type.name,
        "place": conversation.address or _("the location you shared"),
        "description": conversation.description[:120],
    }


def _ask_type(conversation: Conversation) -> str:
    offered = matching.menu_of(_service_types(conversation), conversation.description)
    conversation.menu = [service_type.pk for service_type in offered]
    _save(conversation, State.TYPE)
    lines = [f"{n}. {service_type.name}" for n, service_type in enumerate(offered, 1)]
    return _("What kind of problem is it? Reply with its number:") + "\n" + "\n".join(lines)


def _ask_question(conversation: Conversation, question: AttributeDefinition) -> str:
    conversation.menu = []
    text = question.description
    if question.datatype in LIST:
        conversation.menu = [value["key"] for value in question.values]
        lines = [f"{n}. {value['name']}" for n, value in enumerate(question.values, 1)]
        text += "\n" + _("Reply with its number:") + "\n" + "\n".join(lines)
    _save(conversation, State.QUESTION)
    return text


def _take_description(conversation: Conversation, body: str) -> str | None:
    link = locations.map_link(body)
    if link:
        # A place that will not do is asked for at its own step, which says why.
        _place_from_link(conversation, link)
        body = body.replace(link, "").strip()
    conversation.description = body[:MAX_TEXT]
    if conversation.service_type is None:
        conversation.service_type = matching.best_match(_service_types(conversation), body)
    return None


def _take_place(conversation: Conversation, body: str) -> str | None:
    link = locations.map_link(body)
    if link:
        return _place_from_link(conversation, link)
    matches = search_addresses(conversation.jurisdiction, body, limit=1)
    if not matches:
        return _(
            "We could not find “%(place)s” in %(city)s. Reply with the house number and "
            "street, a corner like “4th & Main”, or share your location from your map app."
        ) % {"place": body[:80], "city": conversation.jurisdiction.name}
    return _set_place(conversation, matches[0].lat, matches[0].long, matches[0].address)


def _place_from_link(conversation: Conversation, link: str) -> str | None:
    point = locations.point_of(link)
    if point is None:
        return _(
            "We cannot read a place from that link. Reply with the address, or share your "
            "location as coordinates (in Google Maps: drop a pin, then share it)."
        )
    near = nearest_address(conversation.jurisdiction, *point)
    return _set_place(conversation, point[0], point[1], near.address if near else "")


def _set_place(conversation: Conversation, lat: float, long: float, address: str) -> str | None:
    try:
        lat, long = check_location(conversation.jurisdiction, lat, long)
    except ValidationError:
        return _(
            "That place is outside %(city)s, so the city cannot fix it. Reply with a place "
            "in %(city)s."
        ) % {"city": conversation.jurisdiction.name}
    conversation.lat, conversation.long, conversation.address = lat, long, address
    return None


def _take_type(conversation: Conversation, body: str) -> str | None:
    service_types = _service_types(conversation)
    chosen = None
    if body.isdigit() and 1 <= int(body) <= len(conversation.menu):
        wanted = conversation.menu[int(body) - 1]
        chosen = next((s for s in service_types if s.pk == wanted), None)
    chosen = chosen or matching.best_match(service_types, body)
    if chosen is None:
        return _ask_type(conversation)
    conversation.service_type = chosen
    return None


def _take_answer(conversation: Conversation, body: str) -> str | None:
    question = _question(conversation)
    if question is None:
        return None
    value = body
    if question.datatype in LIST:
        value = _listed(question, conversation.menu, body)
        if question.datatype == AttributeDefinition.Datatype.MULTIVALUELIST and value:
            value = [value]
    try:
        cleaned = clean_value(question, value)
    except (ValueError, ValidationError) as exc:
        return _not_an_answer(conversation, question, str(exc))
    if cleaned in ("", [], None):
        return _not_an_answer(conversation, question, _("Please answer the question."))
    conversation.attributes = {**conversation.attributes, question.code: cleaned}
    return None


def _not_an_answer(conversation, question: AttributeDefinition, why: str) -> str:
    if question.datatype in LIST:
        why = _("Reply with one of the numbers.")
    return why + "\n" + _ask_question(conversation, question)


def _listed(question: AttributeDefinition, menu: list, body: str) -> str:
    if body.isdigit() and 1 <= int(body) <= len(menu):
        return menu[int(body) - 1]
    said = plain(body).strip()
    for value in question.values:
        if said in (plain(value["name"]), plain(str(value["key"]))):
            return value["key"]
    return body


def _take_confirmation(conversation: Conversation, body: str) -> str | None:
    word = "".join(c for c in plain(body) if c.isalnum())
    if word in NO:
        conversation.state = State.CANCELLED
        conversation.save(update_fields=["state"])
        return _("Cancelled: nothing was sent. Text us again to report a problem.")
    if word not in YES:
        return ask(conversation)
    return _submit(conversation)


def _submit(conversation: Conversation) -> str:
    try:
        limits.check(None, "sms_report", phone=conversation.phone, address=False)
    except limits.Limited as exc:
        return exc.message
    try:
        request = submit_request(
            service_type=conversation.service_type,
            lat=conversation.lat,
            long=conversation.long,
            actor=None,
            description=conversation.description,
            attributes=conversation.attributes,
            address=conversation.address,
            channel=Channel.SMS,
            # They texted us and are told they will hear back by text: STOP ends it.
            reporter=save_caller(details=ContactDetails(phone=conversation.phone), may_text=True),
        )
    except ValidationError as exc:
        return " ".join(exc.messages)
    conversation.request = request
    conversation.state = State.SUBMITTED
    conversation.updated_at = timezone.now()
    conversation.save()
    return _(
        "Thank you. Your request number is %(id)s; track it at %(url)s. We will text you "
        "when its status changes (reply STOP to stop texts, STATUS %(id)s to ask)."
    ) % {"id": request.public_id, "url": track_url(request.public_id)}
