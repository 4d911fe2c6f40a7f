"""The console page: what it shows for the call on, and where the next keystroke goes."""

from django.conf import settings
from django.http import QueryDict
from django.shortcuts import render
from django.utils.translation import gettext as _

from fixboard.catalog.models import AttributeDefinition
from fixboard.core.phones import display_phone
from fixboard.reports.models import Status

from . import selectors
from .online import online_links
from .spelling import spell_id

Datatype = AttributeDefinition.Datatype


def answers_of(service_type, post) -> dict:
    """The answers to the service's questions as posted (`attr-<code>`), blanks left out."""
    answers = {}
    for question in service_type.attributes.all():
        name = f"attr-{question.code}"
        if question.datatype == Datatype.MULTIVALUELIST:
            value = [v for v in post.getlist(name) if v]
        else:
            value = post.get(name, "").strip()
        if value:
            answers[question.code] = value
    return answers


# The answers typed for a new request when the caller changed (console.views.change_caller),
# shown again until they are sent: one call's at a time, in the agent's session.
DRAFT = "console_draft"


def keep_draft(request, call, post) -> None:
    """Keep the new request's answers and description `post` holds for `call`."""
    kept = [
        (key, value)
        for key in post
        if key == "description" or key.startswith("attr-")
        for value in post.getlist(key)
    ]
    request.session[DRAFT] = {"call": call.pk, "answers": kept}


def _draft(request, call) -> QueryDict | None:
    draft = request.session.get(DRAFT)
    if not draft or call is None or draft["call"] != call.pk or call.request_id:
        return None
    answers = QueryDict(mutable=True)
    for key, value in draft["answers"]:
        answers.appendlist(key, value)
    return answers


def _questions(call, answers, errors) -> list[dict]:
    if call.service_type is None:
        return []
    rows = []
    for question in call.service_type.attributes.all():
        name = f"attr-{question.code}"
        given = answers.getlist(name) if hasattr(answers, "getlist") else []
        rows.append(
            {
                "q": question,
                "name": name,
                "given": given,
                "errors": errors.get(f"attribute[{question.code}]", []),
            }
        )
    return rows


def _caller(call) -> dict:
    contact = call.contact if call else None
    if contact is None:
        return {}
    requests = selectors.caller_requests(contact)
    return {
        "contact": contact,
        "phone": display_phone(contact.phone) if contact.phone else "",
        "requests": [
            {"r": r, "sentence": selectors.status_sentence(r), "open": r.status != Status.CLOSED}
            for r in requests
        ],
    }


def _focus(call, nearby, errors) -> str:
    """The id of the element the next keystroke goes to."""
    if call is None or not call.is_on:
        return "new-call"
    if errors:
        field = next(iter(errors))
        return {
            "q": "caller-q",
            "name": "caller-name",
            "phone": "caller-phone",
            "email": "caller-email",
            "place": "place-q",
            "location": "place-q",
            "service_type": "problem-q",
            "text": "call-errors",
        }.get(field, "questions" if field.startswith("attribute[") else "call-errors")
    if call.request_id:
        return "readback"
    if call.contact_id is None:
        return "caller-q"
    if call.lat is None:
        return "place-q"
    if call.service_type_id is None:
        return "problem-q"
    if nearby:
        return "add-0"
    return "questions"


def _announce(call, caller, nearby) -> str:
    """What a screen reader says after each step: what was found."""
    if call is None or not call.is_on:
        return _("No call on.")
    if call.request_id:
        return _("Request %(id)s.") % {"id": call.request.public_id}
    if call.service_type_id and nearby:
        return _("%(n)d open requests of this kind nearby.") % {"n": len(nearby)}
    if call.service_type_id:
        return _("Problem: %(s)s.") % {"s": call.service_type.name}
    if call.lat is not None:
        return _("Place: %(a)s.") % {"a": call.address}
    if caller:
        return _("Caller: %(n)s, %(r)d earlier requests.") % {
            "n": caller["contact"].name or caller["phone"],
            "r": len(caller["requests"]),
        }
    return _("Call started.")


def page(request, call, *, errors=None, status=200, **extra):
    """The console for `call` (None: no call on), as a page or, for htmx, its call region."""
    errors = errors or {}
    jurisdictions = selectors.console_jurisdictions(request.user)
    jurisdiction = call.jurisdiction if call else (jurisdictions[0] if jurisdictions else None)
    nearby = selectors.open_nearby(call) if call and call.is_on and not call.request_id else []
    answers = extra.pop("answers", None) or _draft(request, call) or {}
    caller = _caller(call)
    context = {
        "announce": _announce(call, caller, nearby),
        "call": call,
        "jurisdiction": jurisdiction,
        "jurisdictions": jurisdictions,
        "errors": errors,
        "all_errors": [m for ms in errors.values() for m in ms],
        "caller": caller,
        "nearby": nearby,
        "questions": _questions(call, answers, errors) if call else [],
        "description": answers.get("description", "") if answers else "",
        "topics": selectors.topics(jurisdiction) if jurisdiction else [],
        "online": online_links(jurisdiction) if jurisdiction else None,
        "day": selectors.my_day(request.user),
        "tile_url": settings.MAP_TILE_URL,
        "tile_attribution": settings.MAP_TILE_ATTRIBUTION,
        "focus": _focus(call, nearby, errors),
        **extra,
    }
    if call and call.request_id:
        public_id = call.request.public_id
        context["readback"] = {
            "public_id": public_id,
            "spelled": spell_id(public_id),
            "nato": spell_id(public_id, nato=True),
        }
    partial = request.headers.get("HX-Request") == "true" and not request.headers.get(
        "HX-History-Restore-Request"
    )
    # A swapped region carries no autofocus: htmx would apply it only once the swap settles,
    # taking focus back from a key the call-taker pressed meanwhile (console.js focuses at
    # once instead).
    context["partial"] = partial
    template = "console/_call.html" if partial else "console/console.html"
    if status == 400 and not context["all_errors"]:
        context["all_errors"] = [_("Check the call's details.")]
    return render(request, template, context, status=status)
