"""python -m bench: measure Fixboard on SQLite and PostgreSQL, write docs/performance.md.

    python -m bench                     # everything, 1,000,000-row sizes (make bench)
    python -m bench --quick             # 100,000-row sizes
    python -m bench --only import --sizes 200k --engines sqlite

Figures are measured, never asserted: targets are printed as PASS or MISS.
"""

import argparse
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path

from tqdm import tqdm

from . import registry, report
from .context import ROOT, BenchError, Context, Options
from .db import DEFAULT_POSTGRES_URL, PostgresEngine, SQLiteEngine

QUICK_SIZE = 100_000
FULL_SIZE = 1_000_000


def _size(text: str) -> int:
    text = text.strip().lower().replace("_", "").replace(",", "")
    factor = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    try:
        value = int(float(text.rstrip("km")) * factor)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a size such as 1000000, 200k or 1M"
        ) from None
    if value < 1:
        raise argparse.ArgumentTypeError("a size must be at least 1")
    return value


def _sizes(text: str) -> list[int]:
    return [_size(part) for part in text.split(",") if part.strip()]


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        type=_sizes,
        help="rows of the synthetic import file, of the raw insert and points routed "
        f"(comma-separated, e.g. 100k,1M; default {FULL_SIZE:,})",
    )
    parser.add_argument("--quick", action="store_true", help=f"sizes of {QUICK_SIZE:,}")
    parser.add_argument(
        "--only", action="append", default=[], help="run only this benchmark (repeatable)"
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (default 3)")
    parser.add_argument(
        "--max-seconds",
        type=float,
        default=300,
        help="stop repeating a figure once it took this long (at least one run; default 300)",
    )
    parser.add_argument(
        "--engines", default="sqlite,postgresql", help="databases to measure (default both)"
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL),
        help="PostgreSQL server (default $BENCH_POSTGRES_URL or %(default)s)",
    )
    parser.add_argument(
        "--postgres-database",
        default="fixboard_bench",
        help="database the bench creates and drops (default %(default)s)",
    )
    parser.add_argument(
        "--real-limit", type=_size, help="import only the first N rows of each real file"
    )
    parser.add_argument(
        "--profile", action="store_true", help="also profile one synthetic import per engine"
    )
    parser.add_argument(
        "--output", type=Path, default=ROOT / "docs" / "performance.md", help="Markdown page"
    )
    parser.add_argument(
        "--work-dir", type=Path, default=ROOT / "var" / "bench", help="cache, logs, databases"
    )
    return parser.parse_args(argv)


def _engines(args, work_dir: Path) -> list:
    known = {
        "sqlite": lambda: SQLiteEngine(work_dir / "sqlite"),
        "postgresql": lambda: PostgresEngine(args.postgres_url, args.postgres_database),
    }
    names = [n.strip() for n in args.engines.split(",") if n.strip()]
    unknown = [n for n in names if n not in known]
    if unknown:
        sys.exit(f"Unknown engine {', '.join(unknown)}; choose from {', '.join(known)}.")
    return [known[name]() for name in names]


def _selected(only: list[str]) -> list:
    benchmarks = sorted(registry.BENCHMARKS.values(), key=lambda b: b.order)
    names = {n.strip() for item in only for n in item.split(",") if n.strip()}
    unknown = names - set(registry.BENCHMARKS)
    if unknown:
        sys.exit(
            f"Unknown benchmark {', '.join(sorted(unknown))}; "
            f"choose from {', '.join(b.name for b in benchmarks)}."
        )
    return [b for b in benchmarks if not names or b.name in names]


def _connect(ctx: Context, engines: list) -> None:
    for engine in engines:
        reason = engine.unavailable()
        if reason:
            print(f"*** {reason}. {engine.label} figures are missing from this run. ***")
            ctx.unavailable[engine.label] = reason
            continue
        tqdm.write(f"Preparing a migrated {engine.label} database with the real cities…")
        engine.create_template(ctx)
        ctx.engines.append(engine)
    if not ctx.engines:
        sys.exit("No database to measure on.")


class Interrupted(Exception):
    """SIGTERM: stop, but still write what was measured."""


def _stop(signum, frame):
    raise Interrupted


def _run_all(ctx: Context, selected: list, page: "Page") -> None:
    """Run the benchmarks, rewriting the page after each figure so a long run shows progress."""
    for bench in tqdm(selected, desc="Benchmarks", unit="benchmark"):
        page.status = f"in progress (at {bench.name})"
        try:
            for measurement in bench.run(ctx):
                page.add(measurement)
        except BenchError as exc:
            ctx.failures[bench.name] = str(exc)
    for name, reason in ctx.failures.items():
        tqdm.write(f"{name} failed: {reason}")


class Page:
    """The run's page and raw figures, written again whenever something is measured."""

    def __init__(self, ctx: Context, args, argv: list[str], selected: list):
        self.ctx, self.args, self.selected = ctx, args, selected
        self.command = shlex.join(["python", "-m", "bench", *argv])
        self.started, self.clock = report.now(), time.monotonic()
        self.measurements: list = []
        self.machine: dict[str, str] = {}
        self.status = "in progress"
        self.speed_at_end = ""
        self.code = _code_version()

    def add(self, measurement) -> None:
        self.measurements.append(measurement)
        self.write()

    def run(self) -> report.Run:
        options = self.ctx.options
        return report.Run(
            command=self.command,
            started=self.started,
            seconds=time.monotonic() - self.clock,
            machine=self.machine,
            load_at_end=report.load_average(),
            speed_at_end=self.speed_at_end,
            options={
                "sizes": ", ".join(f"{s:,}" for s in options.sizes),
                "runs per figure": f"up to {options.repeat}",
                "benchmarks": ", ".join(b.name for b in self.selected),
            },
            measurements=self.measurements,
            ratios=[r for derive in registry.DERIVED for r in derive(self.measurements)],
            unavailable=self.ctx.unavailable,
            failures=self.ctx.failures,
            code=self.code,
            status=self.status,
        )

    def write(self) -> report.Run:
        run = self.run()
        self.args.output.parent.mkdir(parents=True, exist_ok=True)
        self.args.output.write_text(report.render(run), encoding="utf-8")
        figures = [asdict(m) for m in self.measurements]
        self.results.write_text(json.dumps(figures, indent=1, default=str), encoding="utf-8")
        return run

    @property
    def results(self) -> Path:
        return self.ctx.options.work_dir / "results.json"


def _code_version() -> str:
    """The commit measured, and whether the working tree differed from it."""

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else ""

    commit = git("rev-parse", "--short", "HEAD")
    if not commit:
        return "unknown (not a git checkout)"
    changed = git("status", "--porcelain", "--untracked-files=no", "--", "fixboard", "bench")
    return f"{commit}" + (" with uncommitted changes" if changed else "")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    registry.discover()
    selected = _selected(args.only)
    sizes = args.sizes or [QUICK_SIZE if args.quick else FULL_SIZE]
    work_dir = args.work_dir.resolve()
    options = Options(
        sizes=sizes,
        repeat=max(1, args.repeat),
        max_seconds=args.max_seconds,
        real_limit=args.real_limit,
        work_dir=work_dir,
        profile=args.profile,
    )
    ctx = Context(options)
    shutil.rmtree(work_dir / "logs", ignore_errors=True)
    ctx.tmp_dir.mkdir(parents=True, exist_ok=True)
    page = Page(ctx, args, argv, selected)
    engines = _engines(args, work_dir)
    signal.signal(signal.SIGTERM, _stop)
    try:
        _connect(ctx, engines)
        page.machine = report.machine(ctx.engines, ctx.unavailable)
        _run_all(ctx, selected, page)
        page.status = ""
        page.speed_at_end = report.speed_check()
    except (Interrupted, KeyboardInterrupt):
        page.status = f"interrupted after {(time.monotonic() - page.clock) / 60:.0f} min; " + (
            "the figures below are those measured before"
        )
    finally:
        for engine in engines:
            if engine.label not in ctx.unavailable:
                engine.drop()
    run = page.write()
    print(report.summary(run))
    print(f"Wrote {args.output} (raw figures in {page.results}).")
    return 1 if ctx.failures or page.status else 0


if __name__ == "__main__":
    sys.exit(main())
