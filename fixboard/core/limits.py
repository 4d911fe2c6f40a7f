"""Rate limits of every write a stranger can make: per client address and per target.

The counting is django-ratelimit's (fixed windows, atomic add and incr) in the cache named
by RATELIMIT_USE_CACHE, which every process shares: Redis when REDIS_URL is set, else the
database counters of fixboard.core.counters. Rates come from settings.RATE_LIMITS,
{action: {kind: "N/m"}}, where kind is "address" (the client), "email" (the address that
would receive mail), "phone" (the number that would get a text) or "request" (the request or
comment being written to).
"""

import math
from dataclasses import dataclass

from django.conf import settings
from django.utils.crypto import salted_hmac
from django.utils.translation import ngettext
from django_ratelimit.core import get_usage
from ninja.throttling import BaseThrottle

KINDS = ("address", "email", "phone", "request")


class Limited(Exception):
    """Too many tries: `message` for the person, `retry_after` seconds for the headers."""

    def __init__(self, retry_after: int):
        self.retry_after = max(1, retry_after)
        minutes = math.ceil(self.retry_after / 60)
        self.message = ngettext(
            "Too many tries in a short time. Please try again in %(n)d minute.",
            "Too many tries in a short time. Please try again in %(n)d minutes.",
            minutes,
        ) % {"n": minutes}
        super().__init__(self.message)


@dataclass(frozen=True)
class Usage:
    allowed: bool
    limit: int
    count: int
    retry_after: int


def client_address(request) -> str:
    """The client's address: NUM_PROXIES hops back in X-Forwarded-For, else REMOTE_ADDR."""
    return BaseThrottle().get_ident(request) or ""


def anonymous_key(request) -> str:
    """Who an anonymous client is, without keeping its address: a keyed hash of it."""
    return salted_hmac("fixboard.limits.anonymous", client_address(request)).hexdigest()


def take(request, group: str, value: str, rate: str) -> Usage:
    """Count one use of `rate` (e.g. "10/m") by `value` in `group`."""
    usage = get_usage(
        request, group=group, key=lambda _group, _request: value, rate=rate, increment=True
    )
    if usage is None:  # RATELIMIT_ENABLE is off
        return Usage(allowed=True, limit=0, count=0, retry_after=0)
    return Usage(
        allowed=not usage["should_limit"],
        limit=usage["limit"],
        count=usage["count"],
        # The window's last second still counts in it: the next one starts a second later.
        retry_after=max(1, usage["time_left"] + 1),
    )


def check(
    request,
    action: str,
    *,
    email: str = "",
    phone: str = "",
    target: object = None,
    address: bool = True,
) -> None:
    """Count one `action` by this client, for this e-mail, phone and target; raise Limited if
    any of them is over its rate. API clients with a key pass address=False: their own rate
    limit covers them, and one app serves many residents from one address. Work done for no
    client (request None) passes address=False too."""
    values = {
        "address": client_address(request) if address else "",
        "email": email.strip().lower(),
        "phone": phone,
        "request": "" if target is None else str(target),
    }
    rates = settings.RATE_LIMITS.get(action, {})
    for kind in KINDS:
        if values[kind] and rates.get(kind):
            usage = take(request, f"{action}.{kind}", values[kind], rates[kind])
            if not usage.allowed:
                raise Limited(usage.retry_after)
