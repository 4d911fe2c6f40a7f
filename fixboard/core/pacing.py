"""Calls to an outside service spaced by at least a given interval across every process and
machine of the installation (an external geocoder asks for one a second).

Time is cut into slots as long as the interval, by the wall clock. A call owns a slot by
adding its key to the rate-limit store (RATELIMIT_USE_CACHE: Redis when REDIS_URL is set,
else the database counters of fixboard.core.counters), whose `add` is atomic: one process
wins each slot. A call that finds the running slot and the next one free takes both and goes
at once (if the store answered before the running slot ended); any other waits for the start
of the first free slot after them. So two calls are never closer than the interval, whichever
processes make them, as far as the machines' clocks agree. A call that would wait longer than
its patience is not made.
"""

import math
import time

from django.conf import settings
from django.core.cache import caches

# Slot keys outlive their slot by this much: enough for a slow store, and whole seconds for
# Redis, which rounds expiry times down.
KEEP_SECONDS = 60


def _store():
    return caches[settings.RATELIMIT_USE_CACHE]


def _take(store, name: str, slot: int, every: float) -> bool:
    expires = max(0.0, (slot + 1) * every - time.time()) + KEEP_SECONDS
    return store.add(f"pacing:{name}:{slot}", 1, timeout=math.ceil(expires))


def turn(name: str, *, every: float, patience: float) -> bool:
    """Wait for this process's turn to call the service `name`, at least `every` seconds
    after any other call to it; False (without waiting) when the turn would come later than
    `patience` seconds from now, for then the call is better not made."""
    if every <= 0:
        return True
    store = _store()
    deadline = time.time() + patience
    slot, held = math.floor(time.time() / every), False
    while slot * every <= deadline:
        held = held or _take(store, name, slot, every)
        if not held:
            slot += 1
            continue
        start, now = slot * every, time.time()
        if now < start:  # a slot to come: the call is at its start
            time.sleep(start - now)
            return True
        if now >= start + every:  # the store answered slowly: this slot is over
            slot, held = math.floor(now / every), False
            continue
        # The running slot: go now only with the next one too, while this one runs, so
        # that nobody calls within an interval after this call.
        held = _take(store, name, slot + 1, every)
        if held and time.time() < start + every:
            return True
        slot, held = (slot + 1, True) if held else (slot + 2, False)
    return False
