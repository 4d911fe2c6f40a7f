"""The address index learns an import's batches on a connection of its own.

Upserting a batch's addresses costs the server about as much as reading and preparing the
next batch costs Python, and the two do not depend on each other: on PostgreSQL a thread
with its own connection writes while the import goes on, so both work at once. Its
transactions are its own: the index only ever holds true facts, and imports are idempotent
anyway. Within a transaction (a test's), or on SQLite (one writer at a time), the addresses
go in with the batch. Used by `fixboard import-addresses` and the request import. The
streets of what was written are learnt afterwards, by the worker (`learning`).
"""

import queue
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.db import connection

from .addresses import AddressRecorder
from .tasks import learn_streets

_DONE = None


class BackgroundAddresses:
    """AddressRecorder.record_latest, run in order by one thread on its own connection."""

    def __init__(self, recorder: AddressRecorder, ahead: int = 2, on_start: Callable = None):
        self.recorder = recorder
        self._on_start = on_start
        # Bounded: a reader faster than the index waits rather than piling batches up.
        self._queue: queue.Queue = queue.Queue(maxsize=ahead)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="import-addresses", daemon=True)

    def record_latest(self, latest: dict[str, tuple]) -> None:
        self._raise_if_failed()
        if not self._thread.is_alive():  # before or after `running`
            self.recorder.record_latest(latest)
        elif latest:
            self._queue.put(latest)

    def _run(self) -> None:
        try:
            if self._on_start:
                self._guarded(self._on_start)
            while (latest := self._queue.get()) is not _DONE:
                if self._error is None:
                    self._guarded(self.recorder.record_latest, latest)
        finally:
            connection.close()  # this thread's own

    def _guarded(self, work, *args) -> None:
        try:
            work(*args)
        except BaseException as exc:  # handed to the caller, which re-raises it
            self._error = exc

    def _raise_if_failed(self) -> None:
        if self._error is not None:
            raise self._error

    @contextmanager
    def running(self) -> Iterator[None]:
        """Within, batches are learnt in the background; on exit, all of them are in."""
        self._thread.start()
        try:
            yield
        finally:
            self._queue.put(_DONE)
            self._thread.join()
        self._raise_if_failed()


def address_learner(
    recorder: AddressRecorder, on_start: Callable = None
) -> AddressRecorder | BackgroundAddresses:
    """The recorder itself where a second connection cannot help, else a background one."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return recorder
    return BackgroundAddresses(recorder, on_start=on_start)


@contextmanager
def learning(learner: AddressRecorder | BackgroundAddresses) -> Iterator[None]:
    """Run the learner for the block, when it runs in the background; then queue the
    learning of the new addresses' streets for the worker. A street's typo keys cost the
    server several rows each: in bulk they are written after the import, once each."""
    if isinstance(learner, BackgroundAddresses):
        with learner.running():
            yield
    else:
        yield
    recorder = learner.recorder if isinstance(learner, BackgroundAddresses) else learner
    learn_streets.enqueue(recorder.jurisdiction.pk)
