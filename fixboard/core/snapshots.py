"""Configuration each process keeps in memory for a few seconds.

Jurisdictions, service types, departments and routing rules change a few times a year, yet
every Open311 call and every submission reads some of them. Each process reads them again
after CONFIGURATION_CACHE_SECONDS, or at once after a change saved in that same process;
the other processes see the change within that time.
"""

import threading
import time
from collections.abc import Callable, Hashable

from django.conf import settings
from django.db.models.signals import post_delete, post_save

_ALL: list["Snapshot"] = []


def forget_all() -> None:
    """Drop every snapshot, e.g. when the database under them was replaced (tests)."""
    for snapshot in _ALL:
        snapshot.forget()


class Snapshot:
    """`load(key)`, kept per key for CONFIGURATION_CACHE_SECONDS; forgotten when one of
    `models` is saved or deleted in this process."""

    def __init__(self, name: str, load: Callable, *, models: tuple = ()):
        self._load = load
        self._held: dict = {}
        self._lock = threading.Lock()
        _ALL.append(self)
        for model in models:
            for signal in (post_save, post_delete):
                signal.connect(
                    self.forget, sender=model, weak=False, dispatch_uid=f"snapshot:{name}"
                )

    def get(self, key: Hashable):
        now = time.monotonic()
        held = self._held.get(key)
        if held is None or now - held[0] >= settings.CONFIGURATION_CACHE_SECONDS:
            value = self._load(key)
            with self._lock:
                self._held[key] = held = (now, value)
        return held[1]

    def forget(self, **kwargs) -> None:
        with self._lock:
            self._held.clear()
