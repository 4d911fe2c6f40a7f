"""The caller's request id by e-mail, from the read-back step: only with their consent
(`Contact.may_email`), through the e-mail outbox like every e-mail."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from fixboard.notify.actions import queue_request_received
from fixboard.notify.models import Delivery
from fixboard.notify.tasks import deliver

from .models import Call


def email_request_id(*, call: Call) -> Delivery:
    """Queue the "request received" e-mail of the call's request to its caller, in the
    caller's language if Fixboard knows it (the pages they used), else the console's.
    ValidationError (by field) when it cannot be sent."""
    if call.request is None:
        raise ValidationError({"email": [_("There is no request on this call yet.")]})
    known = call.contact.language if call.contact else ""
    with transaction.atomic():
        delivery = queue_request_received(
            request=call.request, contact=call.contact, language=known or get_language() or ""
        )
        transaction.on_commit(lambda: deliver.enqueue(delivery.pk))
    return delivery
