"""A request id spelled for the phone: "7KQ2-M9XD" → "seven, K, Q, two — M, nine, X, D".

Public ids use Crockford's base32 (no I, L, O, U), so every character has one reading;
the NATO words ("K as in Kilo") help on a bad line.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

DIGITS = (
    gettext_lazy("zero"),
    gettext_lazy("one"),
    gettext_lazy("two"),
    gettext_lazy("three"),
    gettext_lazy("four"),
    gettext_lazy("five"),
    gettext_lazy("six"),
    gettext_lazy("seven"),
    gettext_lazy("eight"),
    gettext_lazy("nine"),
)
NATO = {
    "A": "Alfa", "B": "Bravo", "C": "Charlie", "D": "Delta", "E": "Echo", "F": "Foxtrot",
    "G": "Golf", "H": "Hotel", "J": "Juliett", "K": "Kilo", "M": "Mike", "N": "November",
    "P": "Papa", "Q": "Quebec", "R": "Romeo", "S": "Sierra", "T": "Tango", "V": "Victor",
    "W": "Whiskey", "X": "X-ray", "Y": "Yankee", "Z": "Zulu",
}  # fmt: skip


def _say(char: str, nato: bool) -> str:
    if char.isdigit():
        return str(DIGITS[int(char)])
    if nato and char in NATO:
        return _("%(c)s as in %(word)s") % {"c": char, "word": NATO[char]}
    return char


def spell_id(public_id: str, *, nato: bool = False) -> str:
    """The id read out group by group, each character on its own."""
    groups = [g for g in public_id.upper().split("-") if g]
    return " — ".join(", ".join(_say(c, nato) for c in group) for group in groups)
