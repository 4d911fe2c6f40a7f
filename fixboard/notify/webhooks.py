"""What the SMS provider calls: a text sent to the city's number (POST /sms/inbound/)."""

from django.conf import settings
from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from fixboard.core import limits
from fixboard.core.phones import phone_or_blank

from . import inbound


def _signed(request) -> bool:
    """Whether the provider signed this call with our auth token (X-Twilio-Signature, over
    the public URL it was configured with and the form fields)."""
    signature = request.headers.get("X-Twilio-Signature", "")
    if not settings.SMS_AUTH_TOKEN or not signature:
        return False
    url = settings.SITE_URL + request.get_full_path()
    return RequestValidator(settings.SMS_AUTH_TOKEN).validate(url, request.POST, signature)


def _text(message: str, status: int) -> HttpResponse:
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


# Exempt from CSRF: the provider's signature, checked first, stands in for the token.
@csrf_exempt
@require_POST
def sms_inbound(request):
    try:
        limits.check(request, "sms_inbound")
    except limits.Limited as exc:
        response = _text(exc.message, 429)
        response["Retry-After"] = str(exc.retry_after)
        return response
    if not _signed(request):
        return _text(
            _(
                "This address takes text messages from the city's SMS provider only: the "
                "request has no valid X-Twilio-Signature."
            ),
            403,
        )
    reply = MessagingResponse()
    phone = phone_or_blank(request.POST.get("From", ""))
    if phone:
        message = inbound.answer(phone=phone, body=request.POST.get("Body", ""))
        if message:
            reply.message(message)
    return HttpResponse(str(reply), content_type="text/xml; charset=utf-8")
