"""Run a generator ahead of its consumer, a bounded number of items ahead.

Parsing CSV rows is pure Python; writing them is mostly database work. `Prefetch` runs
the generator in a thread: it overlaps only with what releases the GIL (waiting on
PostgreSQL, SQLite's C code). `ForkedPrefetch` runs it in a forked process, so it runs
alongside all of the writer's work, at the cost of pickling each item across a pipe (a
placed row, as plain tuples, costs the writer about 1 µs to unpickle, against 13–20 µs to
parse and place it).
The queue bound keeps memory flat in both.
"""

import contextlib
import ctypes
import multiprocessing
import os
import pickle
import queue
import signal
import threading
from collections.abc import Callable, Iterable, Iterator

from django.db import connections
from django.utils import translation

_ITEM, _ERROR, _END = "item", "error", "end"
CAN_FORK = "fork" in multiprocessing.get_all_start_methods()
PR_SET_PDEATHSIG = 1  # linux/prctl.h
# The parent's database connections as a forked reader inherited them: kept referenced
# so that they are never closed (or finished) from the child.
_INHERITED: list = []


class _Ahead:
    """The generator's items, errors and end travel as (kind, item) messages through a
    bounded queue from a worker (`_worker`, made by the subclass) to the consumer.

    `items` may be a function that makes them, called in the worker: a forked one then
    opens its own files rather than sharing the parent's file offsets.
    """

    def __init__(self, items: Iterable | Callable[[], Iterable], queue_, stop, worker_class):
        self._items = items
        self._queue = queue_
        self._stop = stop
        self._language = translation.get_language()
        self._worker = worker_class(target=self._run, name="import-parser", daemon=True)

    def __enter__(self) -> Iterator:
        self._worker.start()
        return self._iterate()

    def __exit__(self, *exc) -> None:
        self._stop.set()
        while self._worker.is_alive():
            with contextlib.suppress(queue.Empty):
                self._queue.get(timeout=0.1)
        self._worker.join()

    def _encode(self, message: tuple):
        return message

    def _decode(self, data) -> tuple:
        return data

    def _put(self, kind: str, item=None) -> bool:
        data = self._encode((kind, item))
        while not self._stop.is_set():
            try:
                self._queue.put(data, timeout=0.1)
                return True
            except queue.Full:
                if self._orphaned():
                    return False
        return False

    def _orphaned(self) -> bool:
        """Whether the consumer is gone for good (only a process can outlive it)."""
        return False

    def _run(self) -> None:
        # Messages built by the worker must speak the caller's language.
        if self._language:
            translation.activate(self._language)
        try:
            for item in self._items() if callable(self._items) else self._items:
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
                if self._worker.is_alive():
                    continue
                code = getattr(self._worker, "exitcode", None)
                raise RuntimeError(f"The import's parser ended (exit code {code}).") from None
            kind, item = self._decode(data)
            if kind == _END:
                return
            if kind == _ERROR:
                raise item
            yield item


def in_turn(streams: list[Iterator]) -> Iterator:
    """Item i of the whole from stream i mod n, until a stream has no item for its turn.

    For work dealt out in turn to several prefetchers (each gets every n-th batch).
    """
    done = object()
    while True:
        for stream in streams:
            item = next(stream, done)
            if item is done:
                return
            yield item


class Prefetch(_Ahead):
    def __init__(self, items: Iterable, ahead: int = 2):
        super().__init__(items, queue.Queue(maxsize=ahead), threading.Event(), threading.Thread)


class ForkedPrefetch(_Ahead):
    """Prefetch in a child process forked from this one (where fork exists: not Windows).

    The child inherits the generator as it stands (its open file, parser and area index).
    It first lets go of the database connections it inherited (see
    `_let_go_of_connections`) and arranges to die with this process, so a killed import
    leaves nothing behind that holds its transaction open. Items and errors travel
    pickled; the child leaving without a last word is an error here, never a short read.
    """

    def __init__(self, items: Iterable | Callable[[], Iterable], ahead: int = 2):
        context = multiprocessing.get_context("fork")
        self._parent = os.getpid()
        super().__init__(items, context.Queue(maxsize=ahead), context.Event(), context.Process)

    def _run(self) -> None:
        _die_with_parent(self._parent)
        _let_go_of_connections()
        super()._run()

    def _orphaned(self) -> bool:
        return os.getppid() != self._parent

    def __exit__(self, *exc) -> None:
        super().__exit__(*exc)
        self._queue.close()

    def _encode(self, message: tuple) -> bytes:
        # Pickled here, not by the queue's feeder thread, which would only print a failure.
        return pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)

    def _decode(self, data: bytes) -> tuple:
        return pickle.loads(data)


def _die_with_parent(parent: int) -> None:
    """Have the kernel kill this reader when the import dies, even by SIGKILL (Linux).

    A reader outliving a killed import would keep the import's database socket open, so
    the server would keep its transaction and locks. Elsewhere a reader notices the
    orphaning when its queue stays full (`_orphaned`).
    """
    with contextlib.suppress(OSError, AttributeError):  # not Linux
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the import died before the line above
        os._exit(1)


def _let_go_of_connections() -> None:
    """Close this process's copy of the parent's database sockets, and never use them.

    Closing the copy leaves the parent's connection as it is (the server sees one
    client until the parent closes or dies); the connection objects are kept, not
    closed, since closing would end the parent's session. A query in the reader would
    open a connection of its own.
    """
    for wrapper in connections.all(initialized_only=True):
        if wrapper.connection is None:
            continue
        _INHERITED.append(wrapper.connection)
        fileno = getattr(wrapper.connection, "fileno", None)  # psycopg; SQLite has none
        if fileno is not None:
            with contextlib.suppress(OSError):
                os.close(fileno())
        wrapper.connection = None
