"""Free text as it is stored, whichever door it came in by (web form, Open311, REST, import).

Control characters other than tab and line breaks are noise from copy and paste, and XML
(Atom feeds, Open311 .xml) cannot carry them at all: one in a description would break
every feed listing it. Lone surrogates and the Unicode non-characters U+FFFE/U+FFFF are
dropped for the same reason.
"""

import re

_UNWANTED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\ud800-\udfff]")


def clean_text(value: str) -> str:
    """The text without unwanted characters, stripped; newlines and tabs kept."""
    if value.isprintable():  # most text: a check in C, far cheaper than the expression
        return value.strip()
    return _UNWANTED.sub("", value).strip()
