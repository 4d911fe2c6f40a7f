"""A text sent to the city's number, as the SMS provider posts it (POST /sms/inbound/)."""

from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.twiml.messaging_response import MessagingResponse

from fixboard.core.phones import phone_or_blank
from fixboard.notify.webhooks import refused

from . import conversations


# Exempt from CSRF: the provider's signature, checked first, stands in for the token.
@csrf_exempt
@require_POST
def sms_inbound(request):
    if refusal := refused(request, "sms_inbound"):
        return refusal
    reply = MessagingResponse()
    phone = phone_or_blank(request.POST.get("From", ""))
    if phone:  # a short code or an alphanumeric sender gets no answer
        message = conversations.answer(
            phone=phone,
            to=phone_or_blank(request.POST.get("To", "")),
            body=request.POST.get("Body", ""),
        )
        if message:
            reply.message(message)
    return HttpResponse(str(reply), content_type="text/xml; charset=utf-8")
