"""Fast parsing of a source's local date-times into aware UTC datetimes.

`datetime.strptime` costs several microseconds a call, too slow for three dates a row
at city scale, so the common strptime directives are compiled into one regular
expression per format. A format using any other directive falls back to strptime.
Two special formats: "iso" (ISO 8601, offset optional) and "epoch" (Unix seconds, UTC).
"""

import re
import zoneinfo
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

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
_UNKNOWN = object()
MEMO_SIZE = 65_536


class _Numbers(dict):
    """The one- and two-digit numbers of date-times, looked up: int() costs several times more."""

    def __missing__(self, text: str) -> int:
        return int(text)


_NUMBERS = _Numbers({**{str(i): i for i in range(10)}, **{f"{i:02d}": i for i in range(100)}})


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


class _Local:
    """Local wall time → UTC, with the zone's offset cached per local day.

    zoneinfo costs a few microseconds a call. A zone changes its offset at most a few
    times a year, so nearly every day has one offset from its first minute to its last:
    one look-up serves the whole day. A day whose offset differs between the two is
    resolved per local hour (or half hour: the minute bucket keeps them apart).
    Ambiguous and skipped wall times resolve as zoneinfo does with fold=0.
    """

    def __init__(self, tz: zoneinfo.ZoneInfo):
        self.tz = tz
        self.days: dict[tuple, timedelta | None] = {}
        self.offsets: dict[tuple, timedelta] = {}

    def __call__(self, y, mo, d, h, mi, s, us) -> datetime:
        day = (y, mo, d)
        offset = self.days.get(day, _UNKNOWN)
        if offset is _UNKNOWN:
            offset = self.days[day] = self._whole_day(y, mo, d)
        if offset is None:
            offset = self._within_day(y, mo, d, h, mi)
        return datetime(y, mo, d, h, mi, s, us, tzinfo=UTC) - offset

    def _whole_day(self, y, mo, d) -> timedelta | None:
        """The day's offset if it has one throughout, else None."""
        if len(self.days) > 100_000:
            self.days.clear()
        first = datetime(y, mo, d, 0, 0, tzinfo=self.tz).utcoffset()
        last = datetime(y, mo, d, 23, 59, 59, 999_999, tzinfo=self.tz).utcoffset()
        return first if first == last else None

    def _within_day(self, y, mo, d, h, mi) -> timedelta:
        key = (y, mo, d, h, mi >= 30)
        offset = self.offsets.get(key)
        if offset is None:
            if len(self.offsets) > 100_000:
                self.offsets.clear()
            offset = self.offsets[key] = datetime(y, mo, d, h, mi, tzinfo=self.tz).utcoffset()
        return offset

    def naive(self, value: datetime) -> datetime:
        return value.replace(tzinfo=self.tz).astimezone(UTC)


def _builder(pattern: re.Pattern, local: _Local) -> Parser:
    """A parser reading the pattern's groups by position (0-based; -1 when absent)."""
    at = {k: pattern.groupindex.get(k, 0) - 1 for k in "YymdHIMSfp"}
    i_year, i_short, i_month, i_day = at["Y"], at["y"], at["m"], at["d"]
    i_hour = at["H"] if at["H"] >= 0 else at["I"]
    i_minute, i_second, i_fraction, i_ampm = at["M"], at["S"], at["f"], at["p"]
    match, numbers = pattern.match, _NUMBERS

    def read(text: str) -> datetime | None:
        found = match(text)
        if found is None:
            return None
        g = found.groups()
        if i_year >= 0:
            year = int(g[i_year])
        else:
            short = numbers[g[i_short]]
            year = 2000 + short if short < 69 else 1900 + short  # strptime's rule
        hour = numbers[g[i_hour]] if i_hour >= 0 else 0
        if i_ampm >= 0:
            if not 1 <= hour <= 12:
                return None
            hour = hour % 12 + (12 if g[i_ampm] in ("PM", "pm", "Pm", "pM") else 0)
        return local(
            year,
            numbers[g[i_month]] if i_month >= 0 else 1,
            numbers[g[i_day]] if i_day >= 0 else 1,
            hour,
            numbers[g[i_minute]] if i_minute >= 0 else 0,
            numbers[g[i_second]] if i_second >= 0 else 0,
            int(g[i_fraction].ljust(6, "0")) if i_fraction >= 0 else 0,
        )

    return read


def _one_format(fmt: str, local: _Local) -> Parser:
    if fmt == "epoch":
        return lambda text: datetime.fromtimestamp(float(text), UTC)
    if fmt == "iso":

        def iso(text: str) -> datetime:
            value = datetime.fromisoformat(text)
            return value.astimezone(UTC) if value.tzinfo else local.naive(value)

        return iso
    pattern = _compile(fmt)
    if pattern is None:
        return lambda text: local.naive(datetime.strptime(text, fmt))
    return _builder(pattern, local)


def make_parser(formats: tuple[str, ...], timezone: str) -> Parser:
    """A function: local date-time text → aware UTC datetime, or None when no format fits.

    Formats are tried in order; the first that reads the text wins.
    """
    local = _Local(zoneinfo.ZoneInfo(timezone))
    parsers = [_one_format(f, local) for f in formats]
    # Exports repeat date-times: a row's updated and closed dates are often the same text,
    # and minute-precision sources repeat each minute many times a day.
    seen: dict[str, datetime | None] = {}

    def parse(text: str) -> datetime | None:
        if text in seen:
            return seen[text]
        value = None
        for parser in parsers:
            try:
                value = parser(text)
            except (ValueError, OverflowError, OSError):
                continue
            if value is not None:
                break
        if len(seen) >= MEMO_SIZE:
            seen.clear()
        seen[text] = value
        return value

    return parse
