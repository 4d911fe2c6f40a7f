"""Configuration each process keeps in memory until it changes.

Jurisdictions, service types, departments and routing rules change a few times a year, yet
every Open311 call and every submission reads some of them. Every change raises one number
in the database (`ConfigurationVersion`), in the change's own transaction: a process reads
that number at most every CONFIGURATION_CACHE_SECONDS and drops its copies when it moved.
A change rolled back moves nothing; the process that made a change drops its copies once it
commits. Bulk writes (`QuerySet.update`, `bulk_create`) send no signal: whatever makes them
calls `configuration_changed()` inside its transaction.
"""

import threading
import time
from collections.abc import Callable, Hashable

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.db.models.signals import post_delete, post_save

from .models import ConfigurationVersion

_ALL: list["Snapshot"] = []
_MISSING = object()
_seen = {"version": None, "checked": float("-inf")}
_seen_lock = threading.Lock()


def configuration_changed(**_signal_kwargs) -> None:
    """Call inside the transaction of any configuration write: every process will read the
    configuration again once it commits, and none if it rolls back."""
    if not ConfigurationVersion.objects.filter(pk=1).update(version=F("version") + 1):
        row, created = ConfigurationVersion.objects.get_or_create(pk=1, defaults={"version": 1})
        if not created:  # made meanwhile by another writer
            ConfigurationVersion.objects.filter(pk=1).update(version=F("version") + 1)
    transaction.on_commit(_changed_here)


def watch_configuration(*models) -> None:
    """Raise the version on every save and delete of these models (admin and ORM writes).

    The owning apps call it in `ready()`, so a process that caches nothing (a command, the
    admin) still tells the others."""
    for model in models:
        for signal in (post_save, post_delete):
            signal.connect(
                configuration_changed,
                sender=model,
                weak=False,
                dispatch_uid=f"configuration_changed:{model._meta.label}",
            )


def _changed_here() -> None:
    forget_all()
    with _seen_lock:
        _seen["checked"] = float("-inf")


def current_version() -> int:
    return ConfigurationVersion.objects.filter(pk=1).values_list("version", flat=True).first() or 0


def _follow_version() -> None:
    """Drop every copy when the version moved; read it at most every CONFIGURATION_CACHE_SECONDS."""
    now = time.monotonic()
    if now - _seen["checked"] < settings.CONFIGURATION_CACHE_SECONDS:
        return
    # Read before any load: a change committed after this read is seen at the next check.
    version = current_version()
    with _seen_lock:
        if version != _seen["version"]:
            forget_all()
            _seen["version"] = version
        _seen["checked"] = now


def forget_all() -> None:
    """Drop every snapshot, e.g. when the database under them was replaced (tests)."""
    for snapshot in _ALL:
        snapshot.forget()


class Snapshot:
    """`load(key)`, kept per key until the configuration version moves; a save or delete of
    one of `models` anywhere (admin, ORM) moves it."""

    def __init__(self, name: str, load: Callable, *, models: tuple = ()):
        self._load = load
        self._held: dict = {}
        self._lock = threading.Lock()
        _ALL.append(self)
        watch_configuration(*models)

    def get(self, key: Hashable):
        _follow_version()
        value = self._held.get(key, _MISSING)
        if value is _MISSING:
            value = self._load(key)
            with self._lock:
                self._held[key] = value
        return value

    def forget(self, **kwargs) -> None:
        with self._lock:
            self._held.clear()
