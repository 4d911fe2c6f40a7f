"""Run a generator ahead of its consumer, a bounded number of items ahead.

Parsing CSV rows is pure Python; writing them is mostly database work. `Prefetch` runs
the generator in a thread: it overlaps only with what releases the GIL (waiting on
PostgreSQL, SQLite's C code). `ForkedPrefetch` runs it in a forked process, so it runs
alongside all of the writer's work, at the cost of pickling each item across a pipe (a
parsed row costs the reader about 1 µs to unpickle, against 16 µs to parse and place).
The queue bound keeps memory flat in both.
"""

import contextlib
import multiprocessing
import pickle
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


CAN_FORK = "fork" in multiprocessing.get_all_start_methods()
_ITEM, _ERROR, _END = "item", "error", "end"


class ForkedPrefetch:
    """Prefetch in a child process forked from this one (where fork exists: not Windows).

    The child inherits the generator as it stands (its open file, parser and area index)
    and must touch no database connection: it shares this process's sockets. Items and
    errors travel pickled; the child leaving without a last word is an error here, never
    a short read.
    """

    def __init__(self, items: Iterable, ahead: int = 2):
        context = multiprocessing.get_context("fork")
        self._items = items
        self._queue = context.Queue(maxsize=ahead)
        self._stop = context.Event()
        self._language = translation.get_language()
        self._process = context.Process(target=self._run, name="import-parser", daemon=True)

    def __enter__(self) -> Iterator:
        self._process.start()
        return self._iterate()

    def __exit__(self, *exc) -> None:
        self._stop.set()
        while self._process.is_alive():
            with contextlib.suppress(queue.Empty):
                self._queue.get(timeout=0.1)
        self._process.join()
        self._queue.close()

    def _put(self, kind: str, item=None) -> bool:
        # Pickled here, not by the queue's feeder thread, which would only print a failure.
        data = pickle.dumps((kind, item), protocol=pickle.HIGHEST_PROTOCOL)
        while not self._stop.is_set():
            try:
                self._queue.put(data, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _run(self) -> None:
        if self._language:
            translation.activate(self._language)
        try:
            for item in self._items:
                if not self._put(_ITEM, item):
                    return
        except BaseException as exc:  # handed to the consumer, which re-raises it
            try:
                self._put(_ERROR, exc)
            except Exception:  # noqa: BLE001 - an error that cannot be pickled
                self._put(_ERROR, RuntimeError(repr(exc)))
            return
        self._put(_END)

    def _iterate(self) -> Iterator:
        while True:
            try:
                data = self._queue.get(timeout=1)
            except queue.Empty:
                if self._process.is_alive():
                    continue
                raise RuntimeError(
                    f"The import's parser process ended (exit code {self._process.exitcode})."
                ) from None
            kind, item = pickle.loads(data)
            if kind == _END:
                return
            if kind == _ERROR:
                raise item
            yield item
