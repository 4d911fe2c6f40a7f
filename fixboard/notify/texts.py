"""Text messages (SMS) to callers: every one through the outbox (TextMessage), sent by
fixboard.notify.text_tasks through the SMS gateway (fixboard.notify.sms)."""

import math

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from fixboard.core import limits
from fixboard.core.phones import display_phone, parse_phone, phone_or_blank

from . import optouts
from .models import TextMessage
from .text_tasks import send_text

# A provider's statuses of a text it took, in the order they come; the last ones are final.
DELIVERY_STEPS = {
    "accepted": 0,
    "scheduled": 0,
    "queued": 0,
    "sending": 1,
    "sent": 2,
    "delivered": 3,
    "undelivered": 3,
    "failed": 3,
    "read": 4,
}

# Four SMS segments of plain text (160 characters each less the joining headers): past that,
# providers split into more parts than phones reliably put back together, and each costs.
MAX_BODY = 612


def queue_text(
    *,
    phone: str,
    body: str,
    kind: str,
    request=None,
    jurisdiction=None,
    language: str = "",
) -> TextMessage:
    """Put a text to `phone` (any common spelling) in the outbox; it is sent after commit.

    ValidationError, by field ("phone", "body", "kind") with a message a call-taker can read
    out, when the number is not one, asked us to stop texting it, or had too many texts
    lately, or the text is empty or too long.
    """
    body = body.strip()
    _check_body(body)
    if kind not in TextMessage.Kind.values:
        raise ValidationError({"kind": _("“%(kind)s” is not a kind of text.") % {"kind": kind}})
    if jurisdiction is None and request is not None:
        jurisdiction = request.jurisdiction
    try:
        phone = parse_phone(phone)
        _check_phone(phone, jurisdiction)
    except ValidationError as exc:
        raise ValidationError({"phone": exc.error_list}) from exc
    with transaction.atomic():
        text = TextMessage.objects.create(
            phone=phone,
            body=body,
            kind=kind,
            request=request,
            jurisdiction=jurisdiction,
            language=language,
        )
        transaction.on_commit(lambda: send_text.enqueue(text.pk))
    return text


def opted_out(phone: str, *, jurisdiction=None) -> bool:
    """Whether this number (any common spelling) asked us to stop the jurisdiction's texts
    (None: a text no city sends, which any of its opt-outs stops)."""
    e164 = phone_or_blank(phone)
    return bool(e164) and optouts.opted_out(e164, jurisdiction=jurisdiction)


def record_delivery_status(*, provider_id: str, status: str, error_code: str = "") -> bool:
    """What the provider says became of a text it took (its status callback); a status
    that comes late, after a later one, changes nothing. Returns whether one changed."""
    text = TextMessage.objects.filter(provider_id=provider_id).exclude(provider_id="").first()
    step = DELIVERY_STEPS.get(status)
    if text is None or step is None or step <= DELIVERY_STEPS.get(text.delivery_status, -1):
        return False
    text.delivery_status = status
    fields = ["delivery_status"]
    if error_code:
        text.last_error = f"{status} (code {error_code})"
        fields.append("last_error")
    text.save(update_fields=fields)
    return True


def _check_body(body: str) -> None:
    if not body:
        raise ValidationError({"body": _("The text is empty: write what to send.")})
    if len(body) > MAX_BODY:
        raise ValidationError(
            {
                "body": _(
                    "The text is %(length)d characters long; a text may have at most %(max)d. "
                    "Shorten it, or send a link to the rest."
                )
                % {"length": len(body), "max": MAX_BODY}
            }
        )


def _check_phone(phone: str, jurisdiction) -> None:
    """Refuse a number that said STOP to the city; count one text to it against
    RATE_LIMITS["text"]["phone"]: texts cost money and must not become a way to pester
    someone."""
    if optouts.opted_out(phone, jurisdiction=jurisdiction):
        raise ValidationError(
            _(
                "This number asked us to stop texting (STOP): %(phone)s gets no texts until "
                "its owner texts START to our number. Offer e-mail instead."
            )
            % {"phone": display_phone(phone)},
            code="opted_out",
        )
    try:
        limits.check(None, "text", phone=phone, address=False)
    except limits.Limited as exc:
        minutes = math.ceil(exc.retry_after / 60)
        raise ValidationError(
            ngettext(
                "This number has had as many texts from us lately as we send. "
                "Try again in %(n)d minute, or offer e-mail.",
                "This number has had as many texts from us lately as we send. "
                "Try again in %(n)d minutes, or offer e-mail.",
                minutes,
            )
            % {"n": minutes},
            code="too_many",
        ) from exc
