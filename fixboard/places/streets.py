"""Streets of the address index: a street line split into house number, direction, core
name and kind, and the spellings ("keys") by which a typed street name finds its core.

Typo tolerance without trigram indexes (SQLite has none): each core is stored with its
other ordinal form ("4TH" and "FOURTH") and every form with one letter left out. A typed
name is looked up with the same variants, so a letter missing, added or wrong ("FORTH",
"SOTTO", "SOTA") still meets the core by exact index look-ups.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Exists, OuterRef

from .models import AddressPoint, Street, StreetKey

DIRECTIONS = frozenset({"N", "S", "E", "W", "NE", "NW", "SE", "SW"})
# The street kinds of USPS Publication 28 met in city address files (already abbreviated
# by addresses.normalize_address, plus the short forms it leaves alone).
KINDS = frozenset(
    [
        "ST",
        "AVE",
        "BLVD",
        "RD",
        "DR",
        "PL",
        "CT",
        "LN",
        "TER",
        "PKWY",
        "HWY",
        "CIR",
        "SQ",
        "TRL",
        "EXPY",
        "FWY",
        "ALY",
        "WAY",
        "WALK",
        "PATH",
        "ROW",
        "PLZ",
        "LOOP",
        "MALL",
        "PARK",
        "PASS",
        "PT",
        "RDG",
        "VW",
        "XING",
    ]
)
# Spelled-out kinds a caller may type, beyond those normalize_address abbreviates.
KIND_WORDS = {"STREET": "ST", "AVENUE": "AVE", "BOULEVARD": "BLVD", "ROAD": "RD", "DRIVE": "DR"}
_UNITS = ("", "FIRST", "SECOND", "THIRD", "FOURTH", "FIFTH", "SIXTH", "SEVENTH", "EIGHTH",
          "NINTH")  # fmt: skip
_TEENS = ("TENTH", "ELEVENTH", "TWELFTH", "THIRTEENTH", "FOURTEENTH", "FIFTEENTH",
          "SIXTEENTH", "SEVENTEENTH", "EIGHTEENTH", "NINETEENTH")  # fmt: skip
_TENS = {2: "TWENTY", 3: "THIRTY", 4: "FORTY", 5: "FIFTY", 6: "SIXTY", 7: "SEVENTY",
         8: "EIGHTY", 9: "NINETY"}  # fmt: skip
_TENTHS = {2: "TWENTIETH", 3: "THIRTIETH", 4: "FORTIETH", 5: "FIFTIETH", 6: "SIXTIETH",
           7: "SEVENTIETH", 8: "EIGHTIETH", 9: "NINETIETH"}  # fmt: skip
_NUMBER = re.compile(r"\d+(?:-\d+)?[A-Z]?")
_ORDINAL = re.compile(r"(\d+)(ST|ND|RD|TH)")
MIN_FUZZY = 4  # shorter cores match only as spelled: "4T" is one letter from too many
CANDIDATES = 40


def _suffix(n: int) -> str:
    if n % 100 in (11, 12, 13):
        return "TH"
    return {1: "ST", 2: "ND", 3: "RD"}.get(n % 10, "TH")


def _spelled(n: int) -> str:
    if n < 10:
        return _UNITS[n]
    if n < 20:
        return _TEENS[n - 10]
    tens, unit = divmod(n, 10)
    return _TENTHS[tens] if unit == 0 else f"{_TENS[tens]} {_UNITS[unit]}"


ORDINAL_WORDS = {_spelled(n): f"{n}{_suffix(n)}" for n in range(1, 100)}
ORDINAL_NUMBERS = {number: word for word, number in ORDINAL_WORDS.items()}


@dataclass(frozen=True)
class StreetName:
    prefix: str
    core: str
    kind: str


def split_number(normalized: str) -> tuple[str, str]:
    """("1900", "E 4TH ST") from "1900 E 4TH ST"; ("", street) when it has no number."""
    number, _, rest = normalized.partition(" ")
    if rest and _NUMBER.fullmatch(number):
        return number, rest
    return "", normalized


def street_of(normalized: str) -> str:
    """The street of a normalised address, or "" when it names none (a corner, no number)."""
    number, street = split_number(normalized)
    if not number or " AND " in street or "&" in street or "/" in street:
        return ""
    return street


def _words(text: str) -> list[str]:
    """Spelled ordinals joined into one word: "TWENTY FIRST" → "21ST"."""
    words = text.split()
    out: list[str] = []
    for word in words:
        if out and f"{out[-1]} {word}" in ORDINAL_WORDS:
            out[-1] = ORDINAL_WORDS[f"{out[-1]} {word}"]
        else:
            out.append(ORDINAL_WORDS.get(word, word))
    return out


def parse_street(street: str, *, typed: bool = False) -> StreetName:
    """Direction, core and kind of a (normalised or typed) street name.

    Typed text may misspell the kind ("STRRET"); it is recognised when one edit from one.
    """
    words = _words(street)
    prefix = kind = ""
    if len(words) > 1 and words[0] in DIRECTIONS:
        prefix, words = words[0], words[1:]
    if len(words) > 1:
        last = KIND_WORDS.get(words[-1], words[-1])
        if last in KINDS:
            kind, words = last, words[:-1]
        elif typed and (guess := _near_kind(last)):
            kind, words = guess, words[:-1]
    return StreetName(prefix, " ".join(words), kind)


def _near_kind(word: str) -> str:
    if len(word) < 4:
        return ""
    variants = set(_deletions(word)) | {word}
    for spelled, kind in KIND_WORDS.items():
        if variants & ({spelled} | set(_deletions(spelled))):
            return kind
    return ""


def _deletions(word: str) -> list[str]:
    return [word[:i] + word[i + 1 :] for i in range(len(word))]


def _forms(core: str) -> set[str]:
    """The core and its other ordinal spelling: "4TH" ↔ "FOURTH"."""
    forms = {core}
    if core in ORDINAL_NUMBERS:
        forms.add(ORDINAL_NUMBERS[core].replace(" ", ""))
    joined = core.replace(" ", "")
    if joined in ORDINAL_WORDS:
        forms.add(ORDINAL_WORDS[joined])
    return forms


def keys_of(core: str) -> dict[str, int]:
    """{spelling: letters left out} stored for a core."""
    keys: dict[str, int] = {}
    for form in _forms(core):
        keys[form] = 0
        if len(form) >= MIN_FUZZY:
            for variant in _deletions(form):
                keys.setdefault(variant, 1)
    return keys


def lookups_of(typed_core: str) -> dict[str, int]:
    """{spelling: letters left out} to look up for a typed core."""
    joined = typed_core.replace(" ", "")
    forms = {typed_core, ORDINAL_WORDS.get(joined, typed_core)}
    found: dict[str, int] = {}
    for form in forms:
        found[form] = 0
        if len(form) >= MIN_FUZZY:
            for variant in _deletions(form):
                found.setdefault(variant, 1)
    return found


def matching_cores(jurisdiction_id: int, typed_core: str) -> dict[str, int]:
    """{core: edits} of the jurisdiction's streets a typed core may mean, nearest first."""
    lookups = lookups_of(typed_core)
    rows = StreetKey.objects.filter(jurisdiction_id=jurisdiction_id, key__in=list(lookups))
    cores: dict[str, int] = {}
    for key, core, edits in rows.values_list("key", "core", "edits")[:CANDIDATES]:
        score = edits + lookups[key]
        cores[core] = min(score, cores.get(core, score))
    return cores


def record_streets(jurisdiction_id: int, names: Iterable[str]) -> int:
    """Add the streets the index does not know yet, and their keys. Returns how many."""
    wanted = {name for name in names if name}
    if not wanted:
        return 0
    known = set(
        Street.objects.filter(jurisdiction_id=jurisdiction_id, name__in=list(wanted)).values_list(
            "name", flat=True
        )
    )
    new = [(name, parse_street(name)) for name in sorted(wanted - known)]
    if not new:
        return 0
    Street.objects.bulk_create(
        [Street(jurisdiction_id=jurisdiction_id, name=n, **vars(p)) for n, p in new],
        ignore_conflicts=True,
        batch_size=1000,
    )
    cores = {p.core for _, p in new}
    StreetKey.objects.bulk_create(
        [
            StreetKey(jurisdiction_id=jurisdiction_id, key=key, core=core, edits=edits)
            for core in cores
            for key, edits in keys_of(core).items()
        ],
        ignore_conflicts=True,
        batch_size=2000,
    )
    return len(new)


def learn_new_streets(jurisdiction_id: int, chunk: int = 5000) -> int:
    """Record every street the jurisdiction's addresses name that the index does not know;
    returns how many. Bulk imports leave this to the worker (places.tasks.learn_streets)."""
    unknown = (
        AddressPoint.objects.filter(jurisdiction_id=jurisdiction_id)
        .exclude(street="")
        .exclude(
            Exists(Street.objects.filter(jurisdiction_id=jurisdiction_id, name=OuterRef("street")))
        )
        .values_list("street", flat=True)
        .distinct()
    )
    names = list(unknown)
    return sum(
        record_streets(jurisdiction_id, names[n : n + chunk]) for n in range(0, len(names), chunk)
    )
