"""Phone numbers that asked for no more texts (STOP) and took it back (START), city by city.

An opt-out names the jurisdiction whose number was texted STOP: that city's texts stop,
another city's served by the same installation do not. One without a jurisdiction holds
for every city: a STOP to a number no city owns, an unsubscribe at the SMS provider (it
blocks the installation's sending number, which every city shares), or staff acting for
every city. Every text is checked against them before it is queued and before it is sent.
"""

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from fixboard.places.models import Jurisdiction

from .models import TextMessage, TextOptOut


def holding(phone: str, jurisdiction: Jurisdiction | int | None) -> QuerySet[TextOptOut]:
    """The opt-outs that stop a text to `phone` from the jurisdiction (None: a text no
    city sends, which any opt-out of the number stops)."""
    jurisdiction_id = _id(jurisdiction)
    rows = TextOptOut.objects.filter(phone=phone)
    if jurisdiction_id is None:
        return rows
    return rows.filter(Q(jurisdiction_id=jurisdiction_id) | Q(jurisdiction__isnull=True))


def _id(jurisdiction: Jurisdiction | int | None) -> int | None:
    return jurisdiction.pk if isinstance(jurisdiction, Jurisdiction) else jurisdiction


def opted_out(phone: str, *, jurisdiction: Jurisdiction | int | None = None) -> bool:
    """Whether this E.164 number asked us to stop the jurisdiction's texts."""
    return holding(phone, jurisdiction).exists()


@transaction.atomic
def opt_out(*, phone: str, source: str, jurisdiction: Jurisdiction | None = None) -> bool:
    """Stop the jurisdiction's texts to this E.164 number (every city's when None), and
    cancel those waiting; returns whether they were not stopped yet. (One a worker is
    sending now may still go.)"""
    if jurisdiction is None:
        stopped = TextOptOut.objects.filter(phone=phone, jurisdiction=None)
    else:
        stopped = holding(phone, jurisdiction)
    if stopped.exists():
        return False
    TextOptOut.objects.get_or_create(
        phone=phone, jurisdiction=jurisdiction, defaults={"source": source}
    )
    waiting = TextMessage.objects.filter(phone=phone, state=TextMessage.State.PENDING)
    if jurisdiction is not None:
        waiting = waiting.filter(Q(jurisdiction=jurisdiction) | Q(jurisdiction__isnull=True))
    waiting.filter(Q(lease_until__isnull=True) | Q(lease_until__lte=timezone.now())).update(
        state=TextMessage.State.CANCELLED, last_error="The number asked for no more texts."
    )
    return True


@transaction.atomic
def opt_in(*, phone: str, jurisdiction: Jurisdiction | None = None) -> bool:
    """Text this E.164 number again from the jurisdiction (from every city when None);
    returns whether it was stopped. Another city's opt-out stays: an opt-out that held for
    every city becomes one per other city. Texts cancelled by the STOP stay cancelled:
    they are old news."""
    was = opted_out(phone, jurisdiction=jurisdiction)
    if jurisdiction is None:
        TextOptOut.objects.filter(phone=phone).delete()
        return was
    everywhere = TextOptOut.objects.filter(phone=phone, jurisdiction=None).first()
    if everywhere is not None:
        TextOptOut.objects.bulk_create(
            [
                TextOptOut(phone=phone, jurisdiction=other, source=everywhere.source)
                for other in Jurisdiction.objects.exclude(pk=jurisdiction.pk)
            ],
            ignore_conflicts=True,  # the city's own opt-out, if it had one, stays as it was
        )
        everywhere.delete()
    TextOptOut.objects.filter(phone=phone, jurisdiction=jurisdiction).delete()
    return was
