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


def _regex(fmt: str) -> str | None:
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
    return "".join(parts)


def _compile(fmt: str) -> re.Pattern | None:
    regex = _regex(fmt)
    return None if regex is None else re.compile(regex + r"\Z")


def _day_then_time(fmt: str) -> tuple[re.Pattern, bool] | None:
    """The format's regex with its date and its time of day as the groups `day` and `time`,
    if it is a date (Y, y, m, d and no whitespace), whitespace, then a time of day (H, I,
    M, S, f, p); with whether the time of day ends in "%M:%S", then perhaps " %p"."""
    found = re.fullmatch(r"(\S+)\s+(\S.*)", fmt)
    if found is None:
        return None
    day, time_of_day = found.groups()
    if not set(re.findall("%(.)", day)) <= set("Yymd"):
        return None
    if not set(re.findall("%(.)", time_of_day)) <= set("HIMSfp"):
        return None
    by_minute = re.fullmatch(r".*%M:%S(\s+%p)?", time_of_day) is not None
    day, time_of_day = _regex(day), _regex(time_of_day)
    if day is None or time_of_day is None:
        return None
    return re.compile(f"(?P<day>{day})\\s+(?P<time>{time_of_day})\\Z"), by_minute


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
        offset = self.day_offset(y, mo, d)
        if offset is None:
            offset = self._within_day(y, mo, d, h, mi)
        return datetime(y, mo, d, h, mi, s, us, tzinfo=UTC) - offset

    def day_offset(self, y, mo, d) -> timedelta | None:
        """The day's offset if it has one throughout, else None."""
        day = (y, mo, d)
        offset = self.days.get(day, _UNKNOWN)
        if offset is _UNKNOWN:
            offset = self.days[day] = self._whole_day(y, mo, d)
        return offset

    def _whole_day(self, y, mo, d) -> timedelta | None:
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


def _values(pattern: re.Pattern) -> Callable[[re.Match], tuple | None]:
    """A match of the pattern → (year, month, day, hour, minute, second, microsecond), read
    by the groups' positions (0-based; -1 when absent), or None if the hour is no hour of
    its clock."""
    at = {k: pattern.groupindex.get(k, 0) - 1 for k in "YymdHIMSfp"}
    i_year, i_short, i_month, i_day = at["Y"], at["y"], at["m"], at["d"]
    i_hour = at["H"] if at["H"] >= 0 else at["I"]
    i_minute, i_second, i_fraction, i_ampm = at["M"], at["S"], at["f"], at["p"]
    numbers = _NUMBERS

    def values(found: re.Match) -> tuple | None:
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
        return (
            year,
            numbers[g[i_month]] if i_month >= 0 else 1,
            numbers[g[i_day]] if i_day >= 0 else 1,
            hour,
            numbers[g[i_minute]] if i_minute >= 0 else 0,
            numbers[g[i_second]] if i_second >= 0 else 0,
            int(g[i_fraction].ljust(6, "0")) if i_fraction >= 0 else 0,
        )

    return values


def _builder(pattern: re.Pattern, local: _Local) -> Parser:
    match, values = pattern.match, _values(pattern)

    def read(text: str) -> datetime | None:
        found = match(text)
        if found is None:
            return None
        parts = values(found)
        return None if parts is None else local(*parts)

    return read


_SECONDS = {f"{s:02d}": timedelta(seconds=s) for s in range(60)}


def _minute_and_second(time_of_day: str) -> tuple[tuple[str, str], timedelta] | None:
    """(the key of its minute, its second) if the time of day's second is two digits after
    its last colon; the key is the text before that colon and the text after the second."""
    head, _, tail = time_of_day.rpartition(":")
    second = _SECONDS.get(tail[:2])
    return None if second is None else ((head, tail[2:]), second)


class _DayThenTime:
    """Reads a format of a date, then a time of day, remembering each part apart.

    An export names each day, and each time of day, again and again in new pairings: once
    a text's day and its time of day have each been read, the date-time is the day's first
    instant in UTC plus the time since midnight, two look-ups and an addition (a fifth of a
    whole reading). The parts are split at the first space; a text spaced otherwise, or
    on a day the clocks change, is read whole, as are the parts not met before.

    With `by_minute` (a time of day ending in minutes, then seconds, then perhaps AM/PM),
    a time of day not met before is its minute's plus its second's: a source precise to
    the second names most times of day only once, but each minute many times.
    """

    def __init__(self, pattern: re.Pattern, local: _Local, *, by_minute: bool = False):
        self.match, self.values, self.local = pattern.match, _values(pattern), local
        self.by_minute = by_minute
        self.days: dict[str, datetime] = {}
        self.times: dict[str, timedelta] = {}
        # A minute's key (see `_minute_and_second`) → its time of day at its start; a
        # tuple, so that no two splits of a text share a key.
        self.minutes: dict[tuple[str, str], timedelta] = {}

    def __call__(self, text: str) -> datetime | None:
        day, _, time_of_day = text.partition(" ")
        start = self.days.get(day)
        if start is not None:
            since = self.times.get(time_of_day)
            if since is None and self.by_minute:
                since = self._by_minute(time_of_day)
            if since is not None:
                return start + since
        return self._read(text, start)

    def _by_minute(self, time_of_day: str) -> timedelta | None:
        split = _minute_and_second(time_of_day)
        if split is None:
            return None
        minute = self.minutes.get(split[0])
        return None if minute is None else minute + split[1]

    def _remember_minute(self, time_of_day: str, since: timedelta) -> None:
        split = _minute_and_second(time_of_day)
        if split is not None:
            if len(self.minutes) >= MEMO_SIZE:
                self.minutes.clear()
            self.minutes[split[0]] = since - split[1]

    def _read(self, text: str, start: datetime | None) -> datetime | None:
        """The text read whole; `start`: its day's first instant, if known already."""
        found = self.match(text)
        if found is None:
            return None
        parts = self.values(found)
        if parts is None:
            return None
        year, month, day, hour, minute, second, microsecond = parts
        if hour > 23 or minute > 59 or second > 59:
            return None  # no such time of day: datetime() would refuse it
        if start is None:
            offset = self.local.day_offset(year, month, day)
            if offset is None:
                return self.local(*parts)
            if len(self.days) >= MEMO_SIZE:
                self.days.clear()
            start = self.days[found["day"]] = datetime(year, month, day, tzinfo=UTC) - offset
        if len(self.times) >= MEMO_SIZE:
            self.times.clear()
        since = self.times[found["time"]] = timedelta(
            0, 3600 * hour + 60 * minute + second, microsecond
        )
        if self.by_minute:
            self._remember_minute(found["time"], since)
        return start + since


def _one_format(fmt: str, local: _Local) -> Parser:
    if fmt == "epoch":
        return lambda text: datetime.fromtimestamp(float(text), UTC)
    if fmt == "iso":

        def iso(text: str) -> datetime:
            value = datetime.fromisoformat(text)
            return value.astimezone(UTC) if value.tzinfo else local.naive(value)

        return iso
    split = _day_then_time(fmt)
    if split is not None:
        pattern, by_minute = split
        return _DayThenTime(pattern, local, by_minute=by_minute)
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
