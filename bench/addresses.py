"""The address index: import of address points, autocomplete and the nearest address.

From issue 17: on PostgreSQL with 1M address points, "address autocomplete p95 < 20 ms,
nearest address of a point p95 < 10 ms; address import ≥ 50,000 rows/s".

The file is an OpenAddresses CSV of a street grid the size asked for (`--sizes`): real
street names of the LA 2017 file (StreetName and Suffix) run east–west, numbered streets
("1ST ST"…) north–south, house numbers rising from the centre line (W/E, N/S), ten metres
apart, in a box about the size of Los Angeles. The clock runs around `import_addresses`
in a child process on a fresh database; the worker's learning of the new streets (the task
the import queues) is timed after it, as a note. Then, in the same process (the domain functions,
no HTTP), `search_addresses` is timed on a mix of what call-takers type: prefixes of
addresses, spelled-out words ("WEST", "AVENUE", "FIRST"), a letter wrong or missing in the
street name, and two crossing streets ("PICO BLVD & 5TH ST"); and `nearest_address` on
random points of the box.
"""

import csv
import random
import time
from collections.abc import Iterator
from pathlib import Path

from .context import SHARED_DATA, Context
from .registry import Measurement, Target, benchmark, task

BENCHMARK = "addresses"
IMPORT_TARGET = Target(50_000, "≥ 50,000 rows/s")
SEARCH_TARGET = Target(20, "autocomplete p95 < 20 ms", higher_is_better=False)
NEAREST_TARGET = Target(10, "nearest address p95 < 10 ms", higher_is_better=False)
SLUG = "bench-addresses"
SOUTH, WEST = 33.75, -118.65  # the box's corner
SPACING = 0.0001  # between doors along a street (about 10 m)
QUERIES = 400
LA_2017 = SHARED_DATA / "311" / "la" / "MyLA311_Service_Request_Data_2017_Subset.csv"
SPELLED = {"W": "WEST", "E": "EAST", "ST": "STREET", "AVE": "AVENUE", "BLVD": "BOULEVARD"}


@benchmark(BENCHMARK, title="Address index: import, autocomplete, nearest address", order=70)
def run(ctx: Context) -> Iterator[Measurement]:
    for size in ctx.options.sizes:
        path = grid_file(size, ctx.options.work_dir / "data")
        for engine in ctx.engines:
            with engine.fresh() as url:
                found = ctx.child(measure, database_url=url, path=str(path), queries=QUERIES)
            yield from _figures(size, engine, found)


def _figures(size: int, engine, found: dict) -> list[Measurement]:
    subject = f"{size:,} address points"
    figures = [
        Measurement(
            BENCHMARK,
            f"import, {subject}",
            "rows/s",
            [found["rows"] / found["seconds"]],
            engine=engine.name,
            target=IMPORT_TARGET,
            notes=[f"{found['seconds']:.1f} s; {found['summary']}"],
        )
    ]
    for name, target in (("autocomplete", SEARCH_TARGET), ("nearest", NEAREST_TARGET)):
        samples = found[name]
        latency = Measurement(BENCHMARK, f"{name}, {subject}", "ms", samples, engine=engine.name)
        latency.latency = True
        latency.notes = [f"{len(samples):,} calls; misses: {found[name + '_misses']}"]
        figures.append(latency)
        figures.append(
            Measurement(
                f"{BENCHMARK}-p95",
                f"{name}, {subject}",
                "ms",
                [latency.p95],
                engine=engine.name,
                target=target,
            )
        )
    return figures


def _street_names() -> list[str]:
    names = set()
    with LA_2017.open(encoding="utf-8-sig", newline="") as f:
        for row in csv.DictReader(f):
            name, suffix = row["StreetName"].strip(), row["Suffix"].strip()
            if name and suffix and not name[0].isdigit():
                names.add(f"{name} {suffix}")
    return sorted(names)


def _ordinal(n: int) -> str:
    suffix = "TH" if n % 100 in (11, 12, 13) else {1: "ST", 2: "ND", 3: "RD"}.get(n % 10, "TH")
    return f"{n}{suffix} ST"


def grid_file(size: int, directory: Path) -> Path:
    """An OpenAddresses CSV of `size` doors on a square grid of streets (made once)."""
    path = directory / f"addresses-grid-{size}.csv"
    if path.exists():
        return path
    directory.mkdir(parents=True, exist_ok=True)
    # 20 km of street at 1M doors; shorter streets for small runs, so that both ways have some.
    per_street = max(10, min(2_000, size // 500))
    streets = max(2, size // per_street)
    across = _street_names()[: streets // 2]
    rows = 0
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["LON", "LAT", "NUMBER", "STREET", "UNIT", "CITY", "DISTRICT", "REGION",
                         "POSTCODE", "ID", "HASH"])  # fmt: skip
        spacing = per_street * SPACING / max(1, streets // 2)
        for i in range(streets):
            east_west = i % 2 == 0
            line = i // 2
            for k in range(per_street):
                if rows == size:
                    return path
                half = k - per_street // 2
                number = 100 + 2 * abs(half) + (k % 2)
                if east_west:
                    lat, long = SOUTH + line * spacing, WEST + k * SPACING
                    name = across[line % len(across)] if across else f"STREET {line}"
                    street = f"{'W' if half < 0 else 'E'} {name}"
                else:
                    lat, long = SOUTH + k * SPACING, WEST + line * spacing
                    street = f"{'S' if half < 0 else 'N'} {_ordinal(line + 1)}"
                writer.writerow([f"{long:.6f}", f"{lat:.6f}", number, street, "", "", "", "CA",
                                 f"9{line % 1000:04d}", "", ""])  # fmt: skip
                rows += 1
    return path


def _typed(address: str, rng: random.Random) -> str:
    """What a call-taker might type for an address: a prefix, spelled out, or one typo."""
    number, _, street = address.partition(" ")
    words = street.split()
    kind = rng.randrange(3)
    if kind == 0:
        return address[: rng.randrange(len(number) + 3, len(address) + 1)].lower()
    if kind == 1:
        return " ".join([number, *(SPELLED.get(w, w) for w in words)]).lower()
    core = max(words, key=len)
    cut = rng.randrange(1, len(core))
    return " ".join([number, *((w[:cut] + w[cut + 1 :]) if w == core else w for w in words)])


@task
def measure(*, path: str, queries: int) -> dict:
    from django.db.models import Max

    from fixboard.places.actions import create_jurisdiction
    from fixboard.places.address_import import import_addresses
    from fixboard.places.models import AddressPoint, Street
    from fixboard.places.search import nearest_address, search_addresses
    from fixboard.places.streets import learn_new_streets

    place = create_jurisdiction(slug=SLUG, name="Bench City", timezone="America/Los_Angeles")
    started = time.perf_counter()
    result = import_addresses(path=Path(path), jurisdiction=place)
    seconds = time.perf_counter() - started
    # What the worker does next (the task the import queued): search needs the streets.
    started = time.perf_counter()
    streets = learn_new_streets(place.pk)
    learning = time.perf_counter() - started
    rng = random.Random(17)
    count = AddressPoint.objects.filter(jurisdiction=place).count()
    sample = AddressPoint.objects.filter(jurisdiction=place).order_by("?")[: queries * 3 // 4]
    typed = [_typed(a, rng) for a in sample.values_list("normalized", flat=True)]
    names = list(Street.objects.filter(jurisdiction=place).values_list("core", "kind"))
    ew = [n for n in names if not n[0][0].isdigit()]
    ns = [n for n in names if n[0][0].isdigit()]
    if ew and ns:
        typed += [
            f"{rng.choice(ew)[0].lower()} & {rng.choice(ns)[0].lower()}"
            for _ in range(queries - len(typed))
        ]
    rng.shuffle(typed)
    search, search_misses = _timed(lambda q: search_addresses(place, q), typed)
    extent = AddressPoint.objects.filter(jurisdiction=place).aggregate(Max("lat"), Max("long"))
    points = [
        (rng.uniform(SOUTH, extent["lat__max"]), rng.uniform(WEST, extent["long__max"]))
        for _ in range(queries)
    ]
    nearest, nearest_misses = _timed(lambda p: nearest_address(place, *p), points)
    summary = (
        f"{result.added:,} new, {result.known:,} already known, "
        f"{result.rejected.total():,} rejected; {count:,} in the index; then the worker "
        f"learnt their {streets:,} streets in {learning:.1f} s (places.tasks.learn_streets)"
    )
    return {
        "rows": result.rows,
        "seconds": seconds,
        "summary": summary,
        "autocomplete": search,
        "autocomplete_misses": search_misses,
        "nearest": nearest,
        "nearest_misses": nearest_misses,
    }


def _timed(call, inputs) -> tuple[list[float], int]:
    for value in inputs[:20]:  # warm the connection and the caches of plans
        call(value)
    samples, misses = [], 0
    for value in inputs:
        started = time.perf_counter()
        found = call(value)
        samples.append((time.perf_counter() - started) * 1000)
        misses += not found
    return samples, misses
