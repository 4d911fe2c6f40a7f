"""Import a city's 311 history from a CSV export, streaming, in batches."""

import csv
import gc
import io
import time
from collections.abc import Iterator
from contextlib import ExitStack, closing, contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from tqdm import tqdm

from fixboard.places.models import Jurisdiction

from ..models import ServiceRequest
from .batch import BatchWriter, store_and_placer
from .indexes import bulk_mode, refresh_statistics, table_rows
from .learning import learning
from .lock import exclusive
from .mapping import Mapping
from .placing import Placed, Placer
from .prefetch import CAN_FORK, ForkedPrefetch, Prefetch, in_turn
from .result import ImportResult
from .rows import Row, RowParser, Skip
from .signals import requests_imported
from .store import WRITTEN_FIELDS

BATCH_SIZE = 5000
FIRST_BATCH_SIZE = 1000
UNREADABLE = "unreadable row"
SAMPLE_BYTES = 256 * 1024
# Below this, dropping and rebuilding indexes and keys costs more than keeping them current
# (a file of 2,000 rows breaks even; one of 10,000 into an empty database imports 17% faster
# on PostgreSQL, 6% on SQLite).
BULK_MIN_ROWS = 5_000
# Processes reading the file at once in the first reading. Parsing and placing a row costs
# more than writing it; two readers (each also skims the other's rows: 6 µs) keep up.
READERS = 2


def _open(path: Path, mapping: Mapping) -> tuple[io.BufferedReader, io.TextIOWrapper]:
    try:
        raw = open(path, "rb")  # noqa: SIM115 - closed by the caller
    except OSError as exc:
        raise ValidationError(
            {"file": [_("Cannot read %(p)s: %(e)s") % {"p": path, "e": exc.strerror}]}
        ) from exc
    # errors="replace": one badly encoded character must not stop a million-row file.
    return raw, io.TextIOWrapper(raw, encoding=mapping.encoding, errors="replace", newline="")


@dataclass(frozen=True)
class Part:
    """Which batches of a file one reader parses: those numbered `index` mod `of`."""

    index: int = 0
    of: int = 1

    def owns(self, batch: int) -> bool:
        return batch % self.of == self.index

    @classmethod
    def all(cls, count: int) -> list["Part"]:
        return [cls(i, count) for i in range(count)]


WHOLE = Part()


@dataclass
class ParsedBatch:
    rows: list[Row]
    skips: list[tuple[str, int, str]]
    position: int
    placed: Placed | None = None


def _records(reader, skips: list) -> Iterator[tuple[int, list[str]]]:
    """(row number, fields) of each record; the header is row 1, as in a spreadsheet."""
    number = 1
    while True:
        number += 1
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            skips.append((UNREADABLE, number, _("row %(n)d: %(e)s") % {"n": number, "e": exc}))
            continue
        if fields:
            yield number, fields


def _parsed(
    raw, reader, parser: RowParser, batch_size: int, only: Iterator[int] | None, part: Part
) -> Iterator[ParsedBatch]:
    """Parsed batches; `only`, when given, lists (in order) the row numbers to parse.

    Of a file's batches, this parses and yields only the `part` (i mod n): the other
    readers of the file do the rest, and rows of their batches are only counted here.
    """
    rows, skips, unreadable = [], [], []
    wanted = next(only, None) if only is not None else None
    counted, index = 0, 0
    mine = part.owns(index)
    # The writer waits for the first batch with nothing else to do: a small one starts it.
    size = min(FIRST_BATCH_SIZE, batch_size)
    for number, fields in _records(reader, unreadable):
        if unreadable:
            counted += len(unreadable)
            if mine:
                skips.extend(unreadable)
            unreadable.clear()
        if only is not None:
            if number != wanted:
                continue
            wanted = next(only, None)
        counted += 1
        if mine:
            try:
                rows.append(parser.parse(fields, number))
            except Skip as skip:
                skips.append((skip.reason, number, skip.message))
        if counted >= size:
            if mine:
                yield ParsedBatch(rows, skips, raw.tell())
            rows, skips, counted, index = [], [], 0, index + 1
            size = min(2 * size, batch_size)
            mine = part.owns(index)
    if mine:
        skips.extend(unreadable)
        yield ParsedBatch(rows, skips, raw.tell())


def _placed(batches: Iterator[ParsedBatch], placer: Placer) -> Iterator[ParsedBatch]:
    for batch in batches:
        batch.placed = placer.place(batch.rows)
        batch.rows = []  # in `placed` now: not sent twice
        yield batch


def _checked_parser(reader, path: Path, mapping: Mapping) -> RowParser:
    header = next(reader, None)
    if not header:
        raise ValidationError({"file": [_("%(p)s is empty.") % {"p": path}]})
    mapping.check_header(header, path)
    return RowParser(mapping, header)


def _batches(
    path: Path, mapping: Mapping, batch_size: int, *, only=None, placer=None, part=WHOLE
) -> Iterator[ParsedBatch]:
    """The batches of one reading of the file (its `part` of them), placed if given a placer."""
    raw, text = _open(path, mapping)
    with raw, text:
        reader = csv.reader(text, delimiter=mapping.delimiter)
        parser = _checked_parser(reader, path, mapping)
        batches = _parsed(raw, reader, parser, batch_size, only, part)
        yield from batches if placer is None else _placed(batches, placer)


@contextmanager
def _reading(
    path: Path, mapping: Mapping, batch_size: int, *, only=None, placer=None
) -> Iterator[Iterator[ParsedBatch]]:
    """Batches of one reading of the file (of the rows numbered in `only`, if given).

    The reading starts on entry, so it parses while the caller gets ready. With a
    `placer` (the first reading), READERS forked processes read the file, each parsing
    and placing every READERS-th batch (see `placing`), on as many cores; otherwise, or
    where there is no fork, one thread reads it.
    """
    raw, text = _open(path, mapping)
    with raw, text:  # the header is checked here, so a bad file fails before any work
        _checked_parser(csv.reader(text, delimiter=mapping.delimiter), path, mapping)
    if placer is None or not CAN_FORK:
        whole = _batches(path, mapping, batch_size, only=only, placer=placer)
        with Prefetch(whole) as prefetched:
            yield prefetched
        return
    with ExitStack() as stack:
        # Placing touches no database, so the whole first reading can be forked off.
        streams = [
            stack.enter_context(
                ForkedPrefetch(
                    partial(_batches, path, mapping, batch_size, placer=placer, part=part)
                )
            )
            for part in Part.all(READERS)
        ]
        yield in_turn(streams)


@contextmanager
def _deferred(
    writer: BatchWriter, path: Path, mapping: Mapping, batch_size: int
) -> Iterator[Iterator[ParsedBatch]]:
    """Batches of the rows left for the second pass: kept in memory, or read again."""
    rows = writer.deferred_rows
    if rows is None:
        with _reading(path, mapping, batch_size, only=iter(writer.deferred)) as again:
            yield again
        return
    end = path.stat().st_size
    yield (ParsedBatch(rows[i : i + batch_size], [], end) for i in range(0, len(rows), batch_size))


def estimated_rows(path: Path) -> int:
    """About how many rows the file holds, from the length of its first lines."""
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            sample = handle.read(SAMPLE_BYTES)
    except OSError:
        return 0
    if not sample:
        return 0
    return round(size * max(sample.count(b"\n"), 1) / len(sample))


def others_live(jurisdiction: Jurisdiction) -> bool:
    """Whether the requests table holds anything but this jurisdiction's imported requests.

    Bulk mode takes the indexes of the whole table off: only where the table holds
    nothing else (another city's requests, or a report made on the site) does that
    slow nobody down.
    """
    return (
        ServiceRequest.objects.exclude(jurisdiction=jurisdiction, source_id__isnull=False)
        .only("pk")
        .exists()
    )


def _bulk(path: Path, jurisdiction: Jurisdiction) -> bool:
    # Rebuilding the indexes costs about what the rows already in the tables cost to
    # index: worth it when the import brings at least twice as many. A re-import of the
    # same file (updates, which read the indexes) stays below that.
    rows = estimated_rows(path)
    return rows >= BULK_MIN_ROWS and rows >= 2 * table_rows() and not others_live(jurisdiction)


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """Let the cyclic garbage collector run far less often during an import.

    An import allocates millions of short-lived objects that form no cycles (rows,
    tuples); the collector, triggered by allocation counts, would otherwise scan them
    and all of Django's long-lived objects again and again. Frozen, those are skipped.
    """
    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(100_000, 50, 100)
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


def _in_transactions(batches: Iterator[ParsedBatch], size: int) -> Iterator[ParsedBatch]:
    """The batches, `size` of them per transaction (each batch is a savepoint within)."""
    while True:
        with transaction.atomic():
            for _ in range(size):
                batch = next(batches, None)
                if batch is None:
                    return
                yield batch


def _bar(size: int, label: str, progress: bool) -> tqdm:
    return tqdm(total=size, unit="B", unit_scale=True, disable=not progress, desc=label)


def _run_pass(batches, writer: BatchWriter, result: ImportResult, bar, *, second: bool) -> None:
    grouped = _in_transactions(batches, writer.store.batches_per_transaction)
    with closing(grouped), bar:
        for batch in grouped:
            # The second reading meets the unreadable records again: counted once, in the first.
            for skip in () if second else batch.skips:
                result.skip(*skip)
            if batch.placed is None:
                writer.write(batch.rows, by_address=second)
            else:
                writer.write_placed(batch.placed)
            bar.update(batch.position - bar.n)


def _import(
    path: Path, jurisdiction: Jurisdiction, mapping: Mapping, result: ImportResult, **options
) -> BatchWriter:
    """Both passes of an import, within bulk mode when it is on; see `import_requests`."""
    batch_size, bulk, progress = options["batch_size"], options["bulk"], options["progress"]
    size = path.stat().st_size if path.is_file() else 0
    tools = store_and_placer(jurisdiction)
    # The readers start first, with what they need: they parse the first batches while
    # the writer gets ready and the indexes come off.
    with _fewer_collections(), _reading(path, mapping, batch_size, placer=tools[1]) as first:
        writer = BatchWriter(jurisdiction, result, tools)
        bulk = _bulk(path, jurisdiction) if bulk is None else bulk
        with bulk_mode(bulk, progress=progress, written=WRITTEN_FIELDS):
            with learning(writer.addresses):  # all learnt before the second pass reads them
                _run_pass(first, writer, result, _bar(size, path.name, progress), second=False)
            if writer.deferred:
                with _deferred(writer, path, mapping, batch_size) as second:
                    bar = _bar(size, _("placing by address"), progress)
                    _run_pass(second, writer, result, bar, second=True)
    refresh_statistics(bulk=bulk)
    return writer


def import_requests(
    *,
    path: Path,
    jurisdiction: Jurisdiction,
    mapping: Mapping,
    progress: bool = False,
    batch_size: int = BATCH_SIZE,
    bulk: bool | None = None,
) -> ImportResult:
    """Create or update the jurisdiction's requests from the rows of a CSV file.

    Rows are keyed on the source's id, so importing the same file again updates the
    requests it created. A row that cannot be used is skipped and counted by reason
    (`result.skipped`, with examples); a file whose header lacks a mapped column raises
    ValidationError before anything is written. Memory stays flat: rows are read and
    written `batch_size` at a time, each batch in its own transaction. Rows with an
    address but no point are placed in a second reading of the file, through the
    address index the first reading fed. `bulk` (by default: when the file holds at
    least twice the rows already stored, and the table holds nothing but the
    jurisdiction's imported requests, see `others_live`) takes the secondary indexes off
    for the import and builds them again after it (see `indexes`); below BULK_MIN_ROWS
    it never pays. One import or rebuild runs at a time: another raises ImportRunning.
    """
    started = time.perf_counter()
    path = Path(path)
    result = ImportResult()
    with exclusive():
        writer = _import(
            path, jurisdiction, mapping, result, batch_size=batch_size, bulk=bulk, progress=progress
        )
    result.created_service_types = writer.catalog.created_services
    result.created_departments = writer.catalog.created_departments
    result.elapsed = time.perf_counter() - started
    transaction.on_commit(
        lambda: requests_imported.send(
            sender=ImportResult, jurisdiction_id=jurisdiction.pk, result=result
        )
    )
    return result
