"""Reporting a problem by text: what is wrong, where, what kind, the service type's
questions, then yes to send. One open `Conversation` per number, locked while a text is
read (many web workers), dropped after SMS_CONVERSATION_MINUTES of silence.

Every answer is the text to send back, in the resident's language.
"""

import re
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from fixboard.catalog.models import PhoneLine
from fixboard.core import limits
from fixboard.notify import inbound
from fixboard.places.models import Jurisdiction

from . import locations, steps
from .language import chosen_language, detect_language
from .models import Conversation
from .status import status_reply

# "STATUS 7KQ2-M9XD", "estado 7kq2m9xd": a request id, not "status of the light on 4th".
_STATUS = re.compile(r"^\s*(?:STATUS|ESTADO)\W+([0-9A-Z][0-9A-Z -]{6,10})\W*$", re.IGNORECASE)
NEW_WORDS = {"NEW", "NUEVO", "NUEVA"}
# Always answered, never counted; YES is also a conversation's answer, counted like one.
KEYWORDS = (inbound.STOP_WORDS | inbound.START_WORDS | inbound.HELP_WORDS) - {"YES"}


def answer(*, phone: str, to: str, body: str) -> str:
    """Act on a text `body` from `phone` (E.164) to the city's number `to`; the reply, or ""
    for none."""
    limited = False
    if inbound.keyword(body) not in KEYWORDS:
        # Counted before the conversation is locked, in a transaction of its own: the
        # counter's row must not wait on the conversation's, nor the other way round.
        try:
            limits.check(None, "sms_message", phone=phone, address=False)
        except limits.Limited:
            limited = True
    if not limited:
        # Asked before the conversation is locked: the map provider may take seconds.
        body = locations.expand_short_link(body)
    with transaction.atomic():
        conversation = _open_conversation(phone)
        language = conversation.language if conversation else detect_language(body)
        with translation.override(language):
            return _answer(conversation, phone=phone, to=to, body=body.strip(), limited=limited)


def _answer(conversation, *, phone: str, to: str, body: str, limited: bool) -> str:
    word = inbound.keyword(body)
    confirming = conversation is not None and conversation.state == Conversation.State.CONFIRM
    if word in inbound.STOP_WORDS and conversation:
        _close(conversation, Conversation.State.CANCELLED)
    if word in inbound.STOP_WORDS | inbound.HELP_WORDS or (
        word in inbound.START_WORDS and not confirming
    ):
        # STOP and START hold for the city whose number was texted, not for every city.
        return inbound.answer(phone=phone, body=body, jurisdiction=jurisdiction_for(to))
    if limited:
        return ""  # never a loop with an automatic reply
    if found := _STATUS.match(body):
        return status_reply(found.group(1))
    if language := chosen_language(body):
        return _switch_language(conversation, phone=phone, to=to, language=language)
    if conversation is None or word in NEW_WORDS:
        if conversation:
            _close(conversation, Conversation.State.CANCELLED)
        conversation = _start(phone=phone, to=to, language=translation.get_language())
        if conversation is None:
            return _no_city()
        if word in NEW_WORDS:
            return steps.ask(conversation)
    return steps.take(conversation, body)


def _switch_language(conversation, *, phone: str, to: str, language: str) -> str:
    if conversation is None:
        conversation = _start(phone=phone, to=to, language=language)
        if conversation is None:
            return _no_city()
    conversation.language = language
    conversation.save(update_fields=["language"])
    with translation.override(language):
        return steps.ask(conversation)


def _no_city() -> str:
    return _(
        "This number does not take reports. To report or track a problem, go to %(url)s "
        "or call 311."
    ) % {"url": settings.SITE_URL}


def jurisdiction_for(to: str) -> Jurisdiction | None:
    """The jurisdiction of the city's number texted or called: its phone line, else the
    installation's only jurisdiction."""
    line = PhoneLine.objects.filter(number=to, active=True).select_related("jurisdiction")
    if found := line.first():
        return found.jurisdiction
    only = list(Jurisdiction.objects.all()[:2])
    return only[0] if len(only) == 1 else None


def _stale_before():
    return timezone.now() - timedelta(minutes=settings.SMS_CONVERSATION_MINUTES)


def _open_conversation(phone: str) -> Conversation | None:
    conversation = (
        Conversation.objects.select_for_update(of=("self",))
        .filter(phone=phone, state__in=Conversation.OPEN)
        .select_related("jurisdiction", "service_type")
        .first()
    )
    if conversation and conversation.updated_at < _stale_before():
        _close(conversation, Conversation.State.EXPIRED)
        return None
    return conversation


def _start(*, phone: str, to: str, language: str) -> Conversation | None:
    jurisdiction = jurisdiction_for(to)
    if jurisdiction is None:
        return None
    try:
        with transaction.atomic():
            return Conversation.objects.create(
                phone=phone,
                jurisdiction=jurisdiction,
                language=language,
                state=Conversation.State.DESCRIBE,
                updated_at=timezone.now(),
            )
    except IntegrityError:
        # The same number's other text, on another worker, started one first: go on with it.
        return _open_conversation(phone)


def _close(conversation: Conversation, state: str) -> None:
    conversation.state = state
    conversation.save(update_fields=["state"])


def expire_conversations() -> int:
    """Drop the conversations silent for SMS_CONVERSATION_MINUTES (worker reconcile);
    returns how many."""
    return Conversation.objects.filter(
        state__in=Conversation.OPEN, updated_at__lt=_stale_before()
    ).update(state=Conversation.State.EXPIRED)
