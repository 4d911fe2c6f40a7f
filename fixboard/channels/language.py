"""Which language a resident texts in: their choice ("ES", "ESPAÑOL") or, failing that,
the common words of their first message. Spanish or English, the languages served."""

import re
import unicodedata

CHOICES = {
    "ES": "es",
    "ESPANOL": "es",
    "SPANISH": "es",
    "EN": "en",
    "ENGLISH": "en",
    "INGLES": "en",
}
# Short, frequent words that are words in one language only (not "a", "me", "no").
_SPANISH = frozenset(
    {
        "el",
        "la",
        "los",
        "las",
        "un",
        "una",
        "hay",
        "en",
        "del",
        "esta",
        "esto",
        "calle",
        "esquina",
        "bache",
        "basura",
        "luz",
        "que",
        "por",
        "favor",
        "hola",
        "con",
        "para",
        "frente",
        "casa",
        "arbol",
        "acera",
        "semaforo",
        "tirada",
        "rota",
        "roto",
        "muy",
        "desde",
        "donde",
        "grafiti",
        "cerca",
        "mi",
        "su",
        "al",
        "es",
        "son",
        "tiene",
        "necesita",
        "gracias",
        "buenas",
        "buenos",
        "dias",
        "tardes",
    }
)
_ENGLISH = frozenset(
    {
        "the",
        "an",
        "is",
        "are",
        "there",
        "on",
        "in",
        "at",
        "of",
        "street",
        "corner",
        "pothole",
        "trash",
        "light",
        "broken",
        "please",
        "hello",
        "with",
        "for",
        "front",
        "house",
        "tree",
        "sidewalk",
        "near",
        "my",
        "his",
        "her",
        "has",
        "needs",
        "thanks",
        "hi",
        "good",
        "morning",
        "this",
        "that",
        "it",
    }
)


def plain(text: str) -> str:
    """Upper case without accents: "Español" → "ESPANOL"."""
    decomposed = unicodedata.normalize("NFKD", text.upper())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    return re.findall(r"[a-z]+", plain(text).lower())


def chosen_language(text: str) -> str:
    """The language a text asks for by name ("ES", "Español"), or ""."""
    return CHOICES.get(re.sub(r"[^A-Z]", "", plain(text)), "")


def detect_language(text: str, default: str = "en") -> str:
    """ "es" when more of the text's words are Spanish-only than English-only, else
    `default` when neither shows, else "en"."""
    found = words(text)
    spanish = sum(word in _SPANISH for word in found)
    english = sum(word in _ENGLISH for word in found)
    if spanish == english:
        return default
    return "es" if spanish > english else "en"
