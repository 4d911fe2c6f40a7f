"""Calls to an outside service spaced by at least a given interval across every process and
machine of the installation (an external geocoder asks for one a second).

Time is cut into slots as long as the interval, by the wall clock. A call owns a slot by
adding its key to the rate-limit store (RATELIMIT_USE_CACHE: Redis when REDIS_URL is set,
else the database counters of fixboard.core.counters), whose `add` is atomic: one process
wins each slot. A call that finds the running slot and the next one free takes both and goes
at once; any other waits for the start of the first free slot after them. So two calls are
never closer than the interval, whichever processes make them, as far as the machines'
clocks agree. A call that would wait longer than its patience is not made.
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
    now = time.time()
    running = math.floor(now / every)
    if _take(store, name, running, every):
        if _take(store, name, running + 1, every):
            return True  # nobody called in this slot, and nobody will before the next
        slot = running + 2  # another process waits for the next slot: after it
    else:
        slot = running + 1
    while slot * every - now <= patience:
        if _take(store, name, slot, every):
            time.sleep(max(0.0, slot * every - time.time()))
            return True
        slot += 1
    return False
