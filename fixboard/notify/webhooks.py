"""What the SMS provider calls: a text sent to the city's number (POST /sms/inbound/) and
what became of a text we sent (POST /sms/status/)."""

from django.conf import settings
from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from fixboard.core import limits
from fixboard.core.phones import phone_or_blank

from . import inbound, texts


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


def _refused(request) -> HttpResponse | None:
    """Why this post is not taken (too many, or not the provider's), else None."""
    try:
        limits.check(request, "sms_inbound")
    except limits.Limited as exc:
        response = _text(exc.message, 429)
        response["Retry-After"] = str(exc.retry_after)
        return response
    if not _signed(request):
        return _text(
            _(
                "This address takes posts from the city's SMS provider only: the request has "
                "no valid X-Twilio-Signature."
            ),
            403,
        )
    return None


# Both exempt from CSRF: the provider's signature, checked first, stands in for the token.
@csrf_exempt
@require_POST
def sms_inbound(request):
    if refused := _refused(request):
        return refused
    reply = MessagingResponse()
    phone = phone_or_blank(request.POST.get("From", ""))
    if phone:
        message = inbound.answer(phone=phone, body=request.POST.get("Body", ""))
        if message:
            reply.message(message)
    return HttpResponse(str(reply), content_type="text/xml; charset=utf-8")


@csrf_exempt
@require_POST
def sms_status(request):
    if refused := _refused(request):
        return refused
    texts.record_delivery_status(
        provider_id=request.POST.get("MessageSid", ""),
        status=request.POST.get("MessageStatus", ""),
        error_code=request.POST.get("ErrorCode", ""),
    )
    return HttpResponse(status=204)
