"""Status changes texted to residents who reported by phone or text and agreed to texts."""

import logging

from django.core.exceptions import ValidationError
from django.dispatch import receiver
from django.utils import translation
from django.utils.translation import gettext as _

from fixboard.notify.models import TextMessage
from fixboard.notify.texts import opted_out, queue_text
from fixboard.reports.models import Channel, Event, ServiceRequest
from fixboard.reports.signals import event_recorded

from .models import Conversation
from .status import status_line

logger = logging.getLogger(__name__)
TEXTED_CHANNELS = (Channel.PHONE, Channel.SMS)


@receiver(event_recorded, dispatch_uid="channels.text_status_change")
def text_status_change(sender, event: Event, **kwargs) -> None:
    if event.kind != Event.Kind.STATUS_CHANGED or not event.public:
        return
    if event.request.channel not in TEXTED_CHANNELS or event.request.reporter_id is None:
        return  # nobody to text: spares a query per imported phone request in a bulk change
    try:
        _text_reporter(event.request_id)
    except ValidationError as exc:  # opted out meanwhile, or texted too often lately
        logger.info("Status change of event %s not texted: %s", event.pk, exc.messages)
    except Exception:
        # The change is committed; a text that cannot go must not turn it into an error page.
        logger.exception("Could not text the status change of event %s", event.pk)


def _text_reporter(request_id: int) -> None:
    request = (
        ServiceRequest.objects.select_related("reporter", "service_type", "jurisdiction")
        .filter(pk=request_id)
        .first()
    )
    contact = request.reporter if request else None
    if (
        contact is None
        or not contact.may_text
        or not contact.phone
        or opted_out(contact.phone, jurisdiction=request.jurisdiction)
    ):
        return
    with translation.override(_language_of(request)):
        body = _("%(city)s 311: your request changed. %(line)s") % {
            "city": request.jurisdiction.name,
            "line": status_line(request),
        }
    queue_text(
        phone=contact.phone,
        body=body,
        kind=TextMessage.Kind.STATUS_CHANGE,
        request=request,
        language=_language_of(request),
    )


def _language_of(request: ServiceRequest) -> str:
    """The language the resident reported in by text; else the site's."""
    conversation = Conversation.objects.filter(request=request).only("language").first()
    return conversation.language if conversation else translation.get_language() or "en"
