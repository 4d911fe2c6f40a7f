"""The call center's queue, as the voice provider asks for it (TwiML, signed posts).

POST /voice/<jurisdiction>/ puts a call in the queue; the queue's wait URL,
/voice/<jurisdiction>/hold/, plays the on-hold messages (`catalog.HoldMessage`) inside a
one-digit Gather; the key pressed comes to /voice/<jurisdiction>/hold/key/. The key of a
message texts the caller the link to report online in its language and the call leaves the
queue. See docs/phone.md.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.twiml.voice_response import Gather, VoiceResponse

from fixboard.catalog.models import HoldMessage
from fixboard.core.phones import phone_or_blank
from fixboard.notify.webhooks import refused
from fixboard.places.models import Jurisdiction

from .deflections import deflect_call

# The voices' languages for ours (<Say language=…>): the region is the city's audience's.
SAY_LANGUAGES = {"en": "en-US", "es": "es-MX"}
PAUSE_SECONDS = 10  # between two plays of the messages; the wait URL is asked again after


@dataclass(frozen=True)
class Offer:
    language: str
    digit: int
    text: str


def _offers(jurisdiction: Jurisdiction) -> list[Offer]:
    rows = HoldMessage.objects.filter(jurisdiction=jurisdiction, active=True).order_by(
        "order", "digit"
    )
    offers = [Offer(row.language, row.digit, row.text) for row in rows]
    if offers:
        return offers
    language = settings.LANGUAGE_CODE.split("-")[0]
    with translation.override(language):
        text = _(
            "While you wait, you can report your problem online: press 1 to get a text with "
            "a link to the report form."
        )
    return [Offer(language, 1, text)]


def _twiml(response: VoiceResponse) -> HttpResponse:
    return HttpResponse(str(response), content_type="text/xml; charset=utf-8")


def _say(response, text: str, language: str) -> None:
    response.say(text, language=SAY_LANGUAGES.get(language, language))


def _url(name: str, jurisdiction: Jurisdiction) -> str:
    return settings.SITE_URL + reverse(f"channels:{name}", args=[jurisdiction.slug])


@csrf_exempt
@require_POST
def incoming(request, slug):
    """A call to the city's line: into the jurisdiction's queue, the hold menu while it waits."""
    if refusal := refused(request, "voice"):
        return refusal
    jurisdiction = get_object_or_404(Jurisdiction, slug=slug)
    response = VoiceResponse()
    response.enqueue(jurisdiction.slug, wait_url=_url("voice-hold", jurisdiction))
    response.hangup()  # after the agent's call, or after the caller left the queue
    return _twiml(response)


@csrf_exempt
@require_POST
def hold(request, slug):
    if refusal := refused(request, "voice"):
        return refusal
    jurisdiction = get_object_or_404(Jurisdiction, slug=slug)
    response = VoiceResponse()
    gather = Gather(num_digits=1, action=_url("voice-key", jurisdiction), method="POST")
    for offer in _offers(jurisdiction):
        _say(gather, offer.text, offer.language)
    response.append(gather)
    response.pause(length=PAUSE_SECONDS)
    return _twiml(response)


@csrf_exempt
@require_POST
def key(request, slug):
    if refusal := refused(request, "voice"):
        return refusal
    jurisdiction = get_object_or_404(Jurisdiction, slug=slug)
    pressed = request.POST.get("Digits", "")
    offer = next((o for o in _offers(jurisdiction) if str(o.digit) == pressed), None)
    response = VoiceResponse()
    if offer is None:
        response.redirect(_url("voice-hold", jurisdiction))
        return _twiml(response)
    with translation.override(offer.language):
        said, sent = _send_online(request, jurisdiction, offer.language)
    _say(response, said, offer.language)
    if sent:
        response.leave()  # the queue's Enqueue goes on with its next verb: hang up
    else:
        response.redirect(_url("voice-hold", jurisdiction))
    return _twiml(response)


def _send_online(request, jurisdiction: Jurisdiction, language: str) -> tuple[str, bool]:
    """Text the caller and count the call: what to tell them, and whether it was sent (if
    not, they stay on hold)."""
    phone = phone_or_blank(request.POST.get("From", ""))
    if not phone:
        return _("We cannot text the number you are calling from. Please stay on the line."), False
    try:
        deflect_call(
            jurisdiction=jurisdiction,
            call_sid=request.POST.get("CallSid", "") or phone,
            phone=phone,
            language=language,
            line=phone_or_blank(request.POST.get("To", "")),
        )
    except ValidationError:
        return _("We could not text this number. Please stay on the line."), False
    return _("We have sent you a text with the link to report online. Thank you, goodbye."), True
