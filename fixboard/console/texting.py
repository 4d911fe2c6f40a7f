"""Texts to the caller from the console: the request id, the link to report or track online,
a topic's answer. Every text goes through the outbox (fixboard.notify.texts.queue_text), which
refuses numbers that are no numbers, that said STOP, or that had too many texts lately."""

from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from fixboard.catalog.models import CallTopic
from fixboard.notify.models import TextMessage
from fixboard.notify.texts import queue_text

from .models import Call
from .online import online_links, track_url

REQUEST_ID, ONLINE, ANSWER = "request_id", "online", "answer"


def _body(call: Call, what: str, topic: CallTopic | None) -> tuple[str, str]:
    if what == REQUEST_ID:
        if call.request is None:
            raise ValidationError({"text": [_("There is no request on this call yet.")]})
        body = _("%(city)s 311: your request number is %(id)s. Track it at %(url)s") % {
            "city": call.jurisdiction.name,
            "id": call.request.public_id,
            "url": track_url(call.request.public_id),
        }
        return body, TextMessage.Kind.REQUEST_ID
    if what == ANSWER:
        if topic is None or topic.jurisdiction_id != call.jurisdiction_id:
            raise ValidationError({"text": [_("Pick the topic whose answer to send.")]})
        return f"{call.jurisdiction.name} 311: {topic.answer}", TextMessage.Kind.ANSWER
    links = online_links(call.jurisdiction)
    body = _(
        "%(city)s 311: report a problem online at %(report)s, or track a request at "
        "%(track)s — no waiting on the phone."
    ) % {
        "city": call.jurisdiction.name,
        "report": links.report,
        "track": links.track,
    }
    return body, TextMessage.Kind.REPORT_ONLINE


def text_caller(*, call: Call, what: str, topic: CallTopic | None = None) -> TextMessage:
    """Text the caller on `call` the request id, the online link or a topic's answer, in the
    language of the page. ValidationError (by field) when it cannot be sent."""
    phone = (call.contact.phone if call.contact else "") or call.phone
    if not phone:
        raise ValidationError({"phone": [_("Find or add the caller's phone number first.")]})
    body, kind = _body(call, what, topic)
    return queue_text(
        phone=phone,
        body=body,
        kind=kind,
        request=call.request if what == REQUEST_ID else None,
        jurisdiction=call.jurisdiction,
        language=get_language() or "",
    )
