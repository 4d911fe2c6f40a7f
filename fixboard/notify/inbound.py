"""Texts people send to the city's number: the keywords every SMS sender must honour
(STOP, START, HELP). Anything else is a report by text (fixboard.channels)."""

import re

from django.conf import settings
from django.utils.translation import gettext as _

from .models import TextOptOut
from .optouts import opt_in, opt_out

STOP_WORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"}
START_WORDS = {"START", "UNSTOP", "YES"}
HELP_WORDS = {"HELP", "INFO"}


def keyword(body: str) -> str:
    """The message as a keyword: letters only, upper case ("Stop all." is STOPALL)."""
    return re.sub(r"[^A-Z]", "", body.upper())


def answer(*, phone: str, body: str) -> str:
    """Act on a keyword text from `phone` (E.164) and return the reply; "" for a text that
    is no keyword."""
    word = keyword(body)
    if word in STOP_WORDS:
        opt_out(phone=phone, source=TextOptOut.Source.STOP)
        return _("You will get no more texts from us. Reply START to get them again.")
    if word in START_WORDS:
        opt_in(phone=phone)
        return _("You will get our texts again. Reply STOP to stop them.")
    if word in HELP_WORDS:
        return _(
            "City 311 texts: report a problem by texting it to this number, or online at "
            "%(url)s. Reply STATUS and a request number for its status, STOP to stop texts."
        ) % {"url": settings.SITE_URL}
    return ""
