"""Callers on hold sent online: the text with the link, and the count of calls saved."""

from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from fixboard.core.phones import phone_token
from fixboard.notify.models import TextMessage
from fixboard.notify.texts import queue_text
from fixboard.places.models import Jurisdiction

from .models import Deflection


def report_link(jurisdiction: Jurisdiction, phone: str) -> str:
    """The report form's address, filling in `phone` (E.164) from a signed token."""
    url = settings.SITE_URL + reverse("web:report", args=[jurisdiction.slug])
    return f"{url}?{urlencode({'caller': phone_token(phone)})}"


@transaction.atomic
def deflect_call(
    *, jurisdiction: Jurisdiction, call_sid: str, phone: str, language: str, line: str = ""
) -> Deflection:
    """Text the caller on hold (`phone`, E.164) the link to report online, in `language`,
    and count the call as sent online on the city's `line` (the number dialled, E.164).
    Once per call, however often the provider asks. ValidationError (from `queue_text`)
    when the number may not be texted."""
    done = Deflection.objects.filter(call_sid=call_sid).first()
    if done is not None:
        return done
    with translation.override(language):
        body = _("%(city)s 311: report your problem online here, no waiting: %(url)s") % {
            "city": jurisdiction.name,
            "url": report_link(jurisdiction, phone),
        }
    text = queue_text(
        phone=phone,
        body=body,
        kind=TextMessage.Kind.REPORT_ONLINE,
        jurisdiction=jurisdiction,
        language=language,
    )
    return Deflection.objects.create(
        jurisdiction=jurisdiction,
        call_sid=call_sid,
        phone=phone,
        line=line,
        language=language,
        text=text,
    )
