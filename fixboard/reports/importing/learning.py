"""The address index learns from an import's batches on a connection of its own.

Upserting a batch's addresses costs the server about as much as writing its requests, and
the two do not depend on each other: on PostgreSQL a thread with its own connection does
it while the writer goes on, so the server works on both at once. Its transactions are
its own: a batch that fails after its addresses went in leaves true facts in the index,
and the import is idempotent anyway. Within a transaction (a test's), or on SQLite (one
writer at a time), the addresses go in with the batch, as before.
"""

import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection

from fixboard.places.addresses import AddressRecorder

from .lock import tag_session

_DONE = None


class BackgroundAddresses:
    """AddressRecorder.record_latest, run in order by one thread on its own connection."""

    def __init__(self, recorder: AddressRecorder, ahead: int = 2):
        self.recorder = recorder
        # Bounded: a writer faster than the index waits rather than piling batches up.
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
            self._guarded(self._tag)
            while (latest := self._queue.get()) is not _DONE:
                if self._error is None:
                    self._guarded(self.recorder.record_latest, latest)
        finally:
            connection.close()  # this thread's own

    @staticmethod
    def _tag() -> None:
        with connection.cursor() as cursor:
            tag_session(cursor)

    def _guarded(self, work, *args) -> None:
        try:
            work(*args)
        except BaseException as exc:  # handed to the writer, which re-raises it
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


def address_learner(recorder: AddressRecorder) -> AddressRecorder | BackgroundAddresses:
    """The recorder itself where a second connection cannot help, else a background one."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return recorder
    return BackgroundAddresses(recorder)


@contextmanager
def learning(learner: AddressRecorder | BackgroundAddresses) -> Iterator[None]:
    """Run the learner for the block, when it runs in the background."""
    if isinstance(learner, BackgroundAddresses):
        with learner.running():
            yield
    else:
        yield
