"""Phone numbers that asked for no more texts (STOP) and took it back (START)."""

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .models import TextMessage, TextOptOut


def opted_out(phone: str) -> bool:
    """Whether this E.164 number asked us to stop texting it."""
    return TextOptOut.objects.filter(phone=phone).exists()


@transaction.atomic
def opt_out(*, phone: str, source: str) -> bool:
    """Stop every text to this E.164 number, and cancel those waiting; returns whether it
    was not opted out yet. (One a worker is sending now may still go.)"""
    _row, created = TextOptOut.objects.get_or_create(phone=phone, defaults={"source": source})
    TextMessage.objects.filter(phone=phone, state=TextMessage.State.PENDING).filter(
        Q(lease_until__isnull=True) | Q(lease_until__lte=timezone.now())
    ).update(state=TextMessage.State.CANCELLED, last_error="The number asked for no more texts.")
    return created


def opt_in(*, phone: str) -> bool:
    """Text this E.164 number again; returns whether it had opted out. Texts cancelled by
    its STOP stay cancelled: they are old news."""
    deleted, _rows = TextOptOut.objects.filter(phone=phone).delete()
    return bool(deleted)
