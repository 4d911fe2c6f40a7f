"""Run a generator in a background thread, a bounded number of items ahead.

Parsing CSV rows is pure Python; writing them is mostly database work that releases
the GIL (SQLite's C code, or waiting on PostgreSQL). Parsing the next batch while the
current one is written puts the second core to work; the queue bound keeps memory flat.
"""

import contextlib
import queue
import threading
from collections.abc import Iterable, Iterator

from django.utils import translation

_DONE = object()


class Prefetch:
    def __init__(self, items: Iterable, ahead: int = 2):
        self._items = items
        self._queue: queue.Queue = queue.Queue(maxsize=ahead)
        self._stop = threading.Event()
        self._language = translation.get_language()
        self._thread = threading.Thread(target=self._run, name="import-parser", daemon=True)

    def __enter__(self) -> Iterator:
        self._thread.start()
        return self._iterate()

    def __exit__(self, *exc) -> None:
        self._stop.set()
        while self._thread.is_alive():
            with contextlib.suppress(queue.Empty):
                self._queue.get(timeout=0.1)
        self._thread.join()

    def _put(self, item) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _run(self) -> None:
        # Messages built in this thread must speak the caller's language.
        if self._language:
            translation.activate(self._language)
        try:
            for item in self._items:
                if not self._put(item):
                    return
        except BaseException as exc:  # handed to the consumer, which re-raises it
            self._put(exc)
            return
        self._put(_DONE)

    def _iterate(self) -> Iterator:
        while True:
            item = self._queue.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
