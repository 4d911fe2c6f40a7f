"""Texts people send to the city's number: the keywords every SMS sender must honour
(STOP, START, HELP) and a pointer to the website for anything else."""

import re

from django.conf import settings
from django.utils.translation import gettext as _

from fixboard.core import limits

from .models import TextOptOut
from .optouts import opt_in, opt_out

STOP_WORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"}
START_WORDS = {"START", "UNSTOP", "YES"}
HELP_WORDS = {"HELP", "INFO"}


def keyword(body: str) -> str:
    """The message as a keyword: letters only, upper case ("Stop all." is STOPALL)."""
    return re.sub(r"[^A-Z]", "", body.upper())


def answer(*, phone: str, body: str) -> str:
    """Act on a text from `phone` (E.164) and return the reply to send, or "" for none.

    Anything that is not a keyword gets a pointer to the website, a few times a day at most
    (RATE_LIMITS["sms_reply"]["phone"]): an automatic reply must not start a loop with
    another.
    """
    word = keyword(body)
    if word in STOP_WORDS:
        opt_out(phone=phone, source=TextOptOut.Source.STOP)
        return _("You will get no more texts from us. Reply START to get them again.")
    if word in START_WORDS:
        opt_in(phone=phone)
        return _("You will get our texts again. Reply STOP to stop them.")
    if word in HELP_WORDS:
        return _(
            "City 311 texts: the links and request numbers you asked for on a call. "
            "Report or track a problem at %(url)s. Reply STOP to stop texts."
        ) % {"url": settings.SITE_URL}
    try:
        limits.check(None, "sms_reply", phone=phone, address=False)
    except limits.Limited:
        return ""
    return _(
        "This number does not read replies. To report or track a problem, go to %(url)s "
        "or call 311."
    ) % {"url": settings.SITE_URL}
