"""Reading Open311 parameters: an empty parameter is an absent one; bad values are 400s."""

import math
import re
import zoneinfo
from datetime import UTC, datetime, time

from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from .errors import bad_request

# "2010-01-01T00:00:00 05:00": a "+" sent unencoded in a query string arrives as a space.
_SPACE_OFFSET = re.compile(r"^(\S+T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}(?::?\d{2})?)$")
# A year inside datetime's range, so that any offset and a query's 90-day window still fit.
_EARLIEST = datetime(2, 1, 1, tzinfo=UTC)
_LATEST = datetime(9998, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)


def text(data, name: str) -> str:
    """The parameter's value, stripped; "" when absent or empty."""
    return (data.get(name) or "").strip()


def many(data, name: str) -> list[str]:
    """Values given comma-separated and/or by repeating the parameter, in order, no blanks."""
    found = []
    for raw in data.getlist(name):
        for part in raw.split(","):
            part = part.strip()
            if part and part not in found:
                found.append(part)
    return found


def w3c_datetime(data, name: str, tz: zoneinfo.ZoneInfo) -> datetime | None:
    """A W3C date-time (2010-01-01T00:00:00Z or with ±HH:MM); a date alone means midnight.

    Without an offset the jurisdiction's local time is meant.
    """
    value = text(data, name)
    if not value:
        return None
    value = _SPACE_OFFSET.sub(r"\1+\2", value)
    try:
        parsed = parse_datetime(value)
        if parsed is None and (day := parse_date(value)) is not None:
            parsed = datetime.combine(day, time())
    except ValueError:
        parsed = None
    if parsed is None:
        raise bad_request(
            _("%(p)s: %(v)s is not a W3C date-time such as 2010-01-01T00:00:00Z.")
            % {"p": name, "v": value}
        )
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    if not _in_range(parsed):
        raise bad_request(
            _("%(p)s: %(v)s is out of range; give a date between the years 2 and 9998.")
            % {"p": name, "v": value}
        )
    return parsed


def _in_range(moment: datetime) -> bool:
    try:
        return _EARLIEST <= moment.astimezone(UTC) <= _LATEST
    except OverflowError:
        return False


def integer(data, name: str, *, low: int, high: int) -> int | None:
    value = text(data, name)
    if not value:
        return None
    try:
        number = int(value)
    except ValueError:
        number = None
    if number is None or not low <= number <= high:
        raise bad_request(
            _("%(p)s must be a whole number from %(a)d to %(b)d; got %(v)s.")
            % {"p": name, "a": low, "b": high, "v": value}
        )
    return number


def number(data, name: str, *, low: float, high: float) -> float | None:
    value = text(data, name)
    if not value:
        return None
    try:
        parsed = float(value)
    except ValueError:
        parsed = math.nan
    if not (math.isfinite(parsed) and low <= parsed <= high):
        raise bad_request(
            _("%(p)s must be a number from %(a)s to %(b)s; got %(v)s.")
            % {"p": name, "a": low, "b": high, "v": value}
        )
    return parsed


def boolean(data, name: str) -> bool:
    value = text(data, name).lower()
    if value in ("", "false", "0", "no"):
        return False
    if value in ("true", "1", "yes"):
        return True
    raise bad_request(_("%(p)s must be true or false; got %(v)s.") % {"p": name, "v": value})
