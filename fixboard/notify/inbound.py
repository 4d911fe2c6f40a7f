"""Texts people send to the city's number: the keywords every SMS sender must honour
(STOP, START, HELP), in English and in Spanish. Anything else is a report by text
(fixboard.channels)."""

import re
import unicodedata

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from fixboard.places.models import Jurisdiction

from .models import TextOptOut
from .optouts import opt_in, opt_out

# The opt-out, opt-in and help keywords of the carriers' and providers' rules (Twilio's and
# the CTIA's defaults), then their Spanish counterparts: "dar de baja" reads DARDEBAJA.
STOP_WORDS_EN = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"}
START_WORDS_EN = {"START", "UNSTOP", "YES"}
HELP_WORDS_EN = {"HELP", "INFO"}
STOP_WORDS_ES = {"PARAR", "PARA", "ALTO", "DETENER", "CANCELAR", "BAJA", "DARDEBAJA"}
START_WORDS_ES = {"ALTA", "DARDEALTA", "INICIAR", "COMENZAR", "REANUDAR"}
HELP_WORDS_ES = {"AYUDA"}

STOP_WORDS = STOP_WORDS_EN | STOP_WORDS_ES
START_WORDS = START_WORDS_EN | START_WORDS_ES
HELP_WORDS = HELP_WORDS_EN | HELP_WORDS_ES
# A keyword in one language is answered in it, whatever language the conversation had.
_SPANISH = STOP_WORDS_ES | START_WORDS_ES | HELP_WORDS_ES


def keyword(body: str) -> str:
    """The message as a keyword: letters only, upper case, accents dropped ("Stop all." is
    STOPALL, "Dar de baja" is DARDEBAJA, "Ayúdame" AYUDAME)."""
    letters = unicodedata.normalize("NFKD", body.upper())
    return re.sub(r"[^A-Z]", "", "".join(c for c in letters if not unicodedata.combining(c)))


def keyword_language(body: str) -> str:
    """The language a keyword text is written in ("" when it is no Spanish keyword)."""
    return "es" if keyword(body) in _SPANISH else ""


def answer(*, phone: str, body: str, jurisdiction: Jurisdiction | None = None) -> str:
    """Act on a keyword text from `phone` (E.164) to the number of `jurisdiction` (None: a
    number no city owns) and return the reply, in the keyword's language where it has
    one; "" for a text that is no keyword. STOP and START hold for that city's texts."""
    word = keyword(body)
    with translation.override(keyword_language(body) or translation.get_language()):
        return _reply(word, phone, jurisdiction)


def _reply(word: str, phone: str, jurisdiction: Jurisdiction | None) -> str:
    if word in STOP_WORDS:
        opt_out(phone=phone, source=TextOptOut.Source.STOP, jurisdiction=jurisdiction)
        if jurisdiction is None:
            return _("You will get no more texts from us. Reply START to get them again.")
        return _(
            "%(city)s 311: You will get no more texts from us. Reply START to get them again."
        ) % {"city": jurisdiction.name}
    if word in START_WORDS:
        opt_in(phone=phone, jurisdiction=jurisdiction)
        if jurisdiction is None:
            return _("You will get our texts again. Reply STOP to stop them.")
        return _("%(city)s 311: You will get our texts again. Reply STOP to stop them.") % {
            "city": jurisdiction.name
        }
    if word in HELP_WORDS:
        return _(
            "City 311 texts: report a problem by texting it to this number, or online at "
            "%(url)s. Reply STATUS and a request number for its status, STOP to stop texts."
        ) % {"url": settings.SITE_URL}
    return ""
