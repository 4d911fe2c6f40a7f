"""Fast parsing of a source's local date-times into aware UTC datetimes.

`datetime.strptime` costs several microseconds a call, too slow for three dates a row
at city scale, so the common strptime directives are compiled into one regular
expression per format. A format using any other directive falls back to strptime.
Two special formats: "iso" (ISO 8601, offset optional) and "epoch" (Unix seconds, UTC).
"""

import re
import zoneinfo
from collections.abc import Callable
from datetime import UTC, datetime

_DIRECTIVES = {
    "Y": r"(?P<Y>\d{4})",
    "y": r"(?P<y>\d{2})",
    "m": r"(?P<m>\d{1,2})",
    "d": r"(?P<d>\d{1,2})",
    "H": r"(?P<H>\d{1,2})",
    "I": r"(?P<I>\d{1,2})",
    "M": r"(?P<M>\d{1,2})",
    "S": r"(?P<S>\d{1,2})",
    "f": r"(?P<f>\d{1,6})",
    "p": r"(?P<p>[AaPp][Mm])",
}

Parser = Callable[[str], datetime | None]


def _compile(fmt: str) -> re.Pattern | None:
    """A regex equivalent to the strptime format, or None if it uses other directives."""
    parts, i = [], 0
    while i < len(fmt):
        char = fmt[i]
        if char != "%":
            parts.append(r"\s+" if char.isspace() else re.escape(char))
            i += 1
            continue
        directive = fmt[i + 1 : i + 2]
        if directive == "%":
            parts.append("%")
        elif directive in _DIRECTIVES and _DIRECTIVES[directive] not in parts:
            parts.append(_DIRECTIVES[directive])
        else:
            return None
        i += 2
    return re.compile("".join(parts) + r"\Z")


def _from_match(groups: dict) -> datetime:
    if groups.get("Y"):
        year = int(groups["Y"])
    else:
        short = int(groups["y"])
        year = 2000 + short if short < 69 else 1900 + short  # strptime's rule
    hour = int(groups.get("H") or groups.get("I") or 0)
    if groups.get("p"):
        hour = hour % 12 + (12 if groups["p"].upper() == "PM" else 0)
    fraction = groups.get("f") or ""
    return datetime(
        year,
        int(groups.get("m") or 1),
        int(groups.get("d") or 1),
        hour,
        int(groups.get("M") or 0),
        int(groups.get("S") or 0),
        int(fraction.ljust(6, "0")) if fraction else 0,
    )


def _one_format(fmt: str, tz: zoneinfo.ZoneInfo) -> Parser:
    def local(naive: datetime) -> datetime:
        return naive.replace(tzinfo=tz).astimezone(UTC)

    if fmt == "epoch":
        return lambda text: datetime.fromtimestamp(float(text), UTC)
    if fmt == "iso":

        def iso(text: str) -> datetime:
            value = datetime.fromisoformat(text)
            return value.astimezone(UTC) if value.tzinfo else local(value)

        return iso
    pattern = _compile(fmt)
    if pattern is None:
        return lambda text: local(datetime.strptime(text, fmt))
    match = pattern.match

    def fast(text: str) -> datetime | None:
        found = match(text)
        return local(_from_match(found.groupdict())) if found else None

    return fast


def make_parser(formats: tuple[str, ...], timezone: str) -> Parser:
    """A function: local date-time text → aware UTC datetime, or None when no format fits.

    Formats are tried in order; the first that reads the text wins.
    """
    tz = zoneinfo.ZoneInfo(timezone)
    parsers = [_one_format(f, tz) for f in formats]

    def parse(text: str) -> datetime | None:
        for parser in parsers:
            try:
                value = parser(text)
            except (ValueError, OverflowError, OSError):
                continue
            if value is not None:
                return value
        return None

    return parse
