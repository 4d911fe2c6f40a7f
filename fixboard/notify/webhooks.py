"""What the SMS provider calls: what became of a text we sent (POST /sms/status/). Texts
sent to the city's number (POST /sms/inbound/) are fixboard.channels'; both doors check the
provider's signature with `refused`."""

from django.conf import settings
from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.request_validator import RequestValidator

from fixboard.core import limits

from . import texts


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


def refused(request, action: str = "sms_inbound") -> HttpResponse | None:
    """Why this post is not taken (too many `action`s from its address, or not signed by
    the provider), else None."""
    try:
        limits.check(request, action)
    except limits.Limited as exc:
        response = _text(exc.message, 429)
        response["Retry-After"] = str(exc.retry_after)
        return response
    if not _signed(request):
        return _text(
            _(
                "This address takes posts from the city's SMS and voice provider only: the "
                "request has no valid X-Twilio-Signature."
            ),
            403,
        )
    return None


# Exempt from CSRF: the provider's signature, checked first, stands in for the token.
@csrf_exempt
@require_POST
def sms_status(request):
    if refusal := refused(request):
        return refusal
    texts.record_delivery_status(
        provider_id=request.POST.get("MessageSid", ""),
        status=request.POST.get("MessageStatus", ""),
        error_code=request.POST.get("ErrorCode", ""),
    )
    return HttpResponse(status=204)
