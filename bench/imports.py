"""Import throughput end to end, and the import's peak memory.

Each run is one child process that calls `import_requests` (parse, validate, route, write
requests, timeline events and areas) with the shipped mapping on a fresh database; the
clock runs around that call only. The real files are LA 2017, LA 2020 and SF as
published; the large file is LA 2020 resampled (`bench.synthetic`). Peak memory is the
child's peak resident set (VmHWM), so it is the import's own (with Django loaded, shown as
the baseline).
"""

import cProfile
import csv
import io
import pstats
import resource
import time
from collections.abc import Iterator
from pathlib import Path

from .context import ROOT, SHARED_DATA, BenchError, Context
from .raw import BENCHMARK as RAW
from .raw import subject as raw_subject
from .registry import Measurement, Ratio, Target, benchmark, derived, find, task
from .synthetic import resampled_la_2020

BENCHMARK = "import"
MEMORY = "import-memory"
RATE_TARGET = Target(20_000, "≥ 20,000 rows/s end to end")
MEMORY_TARGET = Target(400, "≤ 400 MB for 1,000,000 rows", higher_is_better=False)
LA = SHARED_DATA / "311" / "la"
MAPPINGS = ROOT / "fixboard" / "reports" / "mappings"
# (name, file, shipped mapping, jurisdiction slug)
REAL_FILES = [
    ("LA 2017", LA / "MyLA311_Service_Request_Data_2017_Subset.csv", "la-2017", "los-angeles"),
    ("LA 2020", LA / "la311_2020-01_requests.csv", "la-2020", "los-angeles"),
    ("SF", SHARED_DATA / "311" / "sf" / "sf311_cases_sample_10000.csv", "sf", "san-francisco"),
]


@benchmark(BENCHMARK, title="Import", order=10)
def run(ctx: Context) -> Iterator[Measurement]:
    jobs = []
    for name, path, mapping, slug in REAL_FILES:
        path = _limited(path, ctx.options.real_limit, ctx.tmp_dir)
        jobs.append(
            (f"{name} ({_data_rows(path):,} rows)", path, MAPPINGS / f"{mapping}.toml", slug)
        )
    for size in ctx.options.sizes:
        path = resampled_la_2020(size, ctx.options.work_dir / "data")
        jobs.append((raw_subject(size), path, MAPPINGS / "la-2020.toml", "los-angeles"))
    for engine in ctx.engines:
        for subject, path, mapping, slug in jobs:
            try:
                yield from _measure(ctx, engine, subject, path, mapping, slug)
            except BenchError as exc:
                # One file failing to import must not cost the figures of the others.
                ctx.failures[f"import of {subject} on {engine.label}"] = str(exc)


def _measure(ctx, engine, subject, path, mapping, slug) -> list[Measurement]:
    def once():
        with engine.fresh() as url:
            return ctx.child(
                run_import,
                database_url=url,
                path=str(path),
                mapping=str(mapping),
                jurisdiction=slug,
            )

    runs = ctx.repeat(f"{subject}, {engine.label}", once)
    if ctx.options.profile and subject.startswith("LA 2020 resampled"):
        _profile(ctx, engine, subject, path, mapping, slug)
    rows = runs[0]["rows"]
    if not rows:
        raise BenchError(f"Importing {path} read no rows: {runs[0]}")
    counts = {key: runs[0][key] for key in ("rows", "created", "updated", "skipped")}
    big = rows >= 1_000_000
    return [
        Measurement(
            benchmark=BENCHMARK,
            subject=subject,
            engine=engine.name,
            unit="rows/s",
            samples=[r["rows"] / r["seconds"] for r in runs],
            target=RATE_TARGET,
            details={
                **counts,
                "seconds": [r["seconds"] for r in runs],
                "cpu_seconds": [r["cpu_seconds"] for r in runs],
            },
            notes=_notes(runs),
        ),
        Measurement(
            benchmark=MEMORY,
            subject=subject,
            engine=engine.name,
            unit="MB",
            samples=[r["rss"]["peak_kb"] / 1024 for r in runs],
            target=MEMORY_TARGET if big else None,
            notes=[
                f"baseline (Django loaded) {runs[0]['rss']['baseline_kb'] / 1024:,.0f} MB",
                # Forked, the parser shares most of its pages with the importer.
                f"forked parser's peak {runs[0]['parser_peak_kb'] / 1024:,.0f} MB",
            ],
        ),
    ]


def _profile(ctx, engine, subject, path, mapping, slug) -> None:
    profiles = ctx.options.work_dir / "profiles"
    profiles.mkdir(parents=True, exist_ok=True)
    target = profiles / f"import-{engine.name}-{Path(path).stem}.prof"
    with engine.fresh() as url:
        ctx.child(
            run_import,
            database_url=url,
            path=str(path),
            mapping=str(mapping),
            jurisdiction=slug,
            profile=str(target),
        )


def _notes(runs: list[dict]) -> list[str]:
    wall = sum(r["seconds"] for r in runs)
    cpu = sum(r["cpu_seconds"] for r in runs)
    # On a busy machine the wall clock also counts waiting for a CPU; rows per CPU-second
    # of the importing processes (with the forked parser) is what they would do alone (the
    # database server excluded). Above 100%, the parser ran alongside the writer.
    notes = [
        f"{wall / len(runs):,.1f} s a run, {cpu / wall:.0%} of it on the Python processes' "
        f"CPU ({runs[0]['rows'] * len(runs) / cpu:,.0f} rows per CPU-second)"
    ]
    skipped = runs[0]["skipped"]
    if skipped:
        reasons = ", ".join(f"{count:,} {reason}" for reason, count in sorted(skipped.items()))
        notes.append(f"skipped: {reasons}")
    return notes


def _data_rows(path: Path) -> int:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return sum(1 for _ in csv.reader(handle)) - 1


def _limited(path: Path, limit: int | None, directory: Path) -> Path:
    """The file itself, or (with --real-limit) a copy of its header and first rows."""
    if not limit:
        return path
    directory.mkdir(parents=True, exist_ok=True)
    copy = directory / f"{path.stem}-first-{limit}.csv"
    with (
        path.open(encoding="utf-8-sig", newline="") as source,
        copy.open("w", encoding="utf-8", newline="") as target,
    ):
        writer = csv.writer(target)
        for number, row in enumerate(csv.reader(source)):
            if number > limit:
                break
            writer.writerow(row)
    return copy


@derived
def ratios(measurements: list[Measurement]) -> list[Ratio]:
    found = []
    raws = [m for m in measurements if m.benchmark == RAW]
    for measurement in measurements:
        if measurement.benchmark != BENCHMARK:
            continue
        raw = find(measurements, RAW, measurement.subject, measurement.engine) or next(
            (r for r in raws if r.engine == measurement.engine), None
        )
        if raw:
            label = f"import / raw insert ({raw.subject})"
            found.append(Ratio(measurement.subject, label, measurement.engine, measurement, raw))
        if measurement.engine == "postgresql":
            sqlite = find(measurements, BENCHMARK, measurement.subject, "sqlite")
            if sqlite:
                ratio = Ratio(
                    measurement.subject, "import PostgreSQL / SQLite", "", measurement, sqlite
                )
                found.append(ratio)
    return found


def _cpu_seconds() -> float:
    """CPU time of this process and of its children that ended (the import's parser)."""
    return sum(
        usage.ru_utime + usage.ru_stime
        for usage in (
            resource.getrusage(resource.RUSAGE_SELF),
            resource.getrusage(resource.RUSAGE_CHILDREN),
        )
    )


@task
def run_import(*, path: str, mapping: str, jurisdiction: str, profile: str = "") -> dict:
    """Import one file into the jurisdiction; time of the `import_requests` call and counts."""
    from fixboard.places.models import Jurisdiction
    from fixboard.reports.importing import import_requests, load_mapping

    place = Jurisdiction.objects.get(slug=jurisdiction)
    loaded = load_mapping(mapping)
    profiler = cProfile.Profile() if profile else None
    if profiler:
        profiler.enable()
    cpu_before = _cpu_seconds()
    started = time.perf_counter()
    result = import_requests(path=Path(path), jurisdiction=place, mapping=loaded, progress=False)
    seconds = time.perf_counter() - started
    cpu = _cpu_seconds() - cpu_before
    if profiler:
        profiler.disable()
        profiler.dump_stats(profile)
        summary = io.StringIO()
        pstats.Stats(profiler, stream=summary).sort_stats("cumulative").print_stats(40)
        Path(profile).with_suffix(".txt").write_text(summary.getvalue(), encoding="utf-8")
    return {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "rows": result.rows,
        "created": result.created,
        "updated": result.updated,
        "skipped": dict(result.skipped),
        "parser_peak_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    }
