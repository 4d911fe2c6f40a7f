"""docs/performance.md: the machine, the run, each measurement, the ratios, the targets."""

import os
import platform
import sqlite3
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata

from .registry import BENCHMARKS, Measurement, Ratio

ENGINE_LABELS = {"sqlite": "SQLite", "postgresql": "PostgreSQL", "": "—"}


@dataclass
class Run:
    """Everything the page says about one `python -m bench` run."""

    command: str
    started: datetime
    seconds: float
    machine: dict[str, str]
    options: dict[str, str]
    measurements: list[Measurement]
    ratios: list[Ratio]
    load_at_end: str = ""
    speed_at_end: str = ""
    code: str = ""
    status: str = ""
    unavailable: dict[str, str] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _ram() -> str:
    try:
        with open("/proc/meminfo", encoding="utf-8") as handle:
            kb = int(next(line for line in handle if line.startswith("MemTotal")).split()[1])
        return f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration):
        return "unknown"


def machine(engines: list, unavailable: dict[str, str]) -> dict[str, str]:
    """CPU, RAM, software versions and load: what the figures depend on."""
    info = {
        "CPU": f"{_cpu_model()}, {os.cpu_count()} cores",
        "RAM": _ram(),
        "OS": platform.platform(),
        "Python": sys.version.split()[0],
        "Django": metadata.version("Django"),
        "SQLite": sqlite3.sqlite_version,
    }
    for engine in engines:
        if engine.name == "postgresql":
            info["PostgreSQL"] = f"{engine.version()} (server on {engine.url('')})"
    if "PostgreSQL" in unavailable:
        info["PostgreSQL"] = "not measured: " + unavailable["PostgreSQL"]
    for package in ("psycopg", "shapely", "numpy"):
        info[package] = metadata.version(package)
    info["Load average (1/5/15 min) at start"] = load_average()
    info[SPEED_CHECK + " at start"] = speed_check()
    return info


def load_average() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


SPEED_CHECK = "Speed check (a pure-Python loop of 5M steps, best of 3)"


def speed_check() -> str:
    """How fast this machine runs Python right now, to compare runs made on other days.

    Machines of one kind differ (other tenants of the host, another CPU generation); a
    slower one slows every figure, and this tells it apart from slower code.
    """
    best = min(_loop_seconds(5_000_000) for _ in range(3))
    return f"{best * 1000:,.0f} ms"


def _loop_seconds(steps: int) -> float:
    started = time.perf_counter()
    total = 0
    for i in range(steps):
        total += i
    return time.perf_counter() - started


def number(value: float) -> str:
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:,.2f}"
    return f"{value:.3g}"


def _figure(m: Measurement, value: float) -> str:
    return f"{number(value)} {m.unit}"


def _targets(run: Run) -> list[str]:
    lines = ["## Targets", ""]
    targeted = [m for m in run.measurements if m.target]
    if not targeted:
        return [*lines, "No target was measured in this run.", ""]
    lines += ["| Target | Subject | Engine | Median | Result |", "|---|---|---|---:|---|"]
    for m in targeted:
        verdict = "PASS" if m.verdict == "PASS" else "**MISS**"
        lines.append(
            f"| {m.benchmark}: {m.target.text} | {m.subject} | {ENGINE_LABELS[m.engine]} "
            f"| {_figure(m, m.median)} | {verdict} |"
        )
    missed = [m for m in targeted if m.verdict == "MISS"]
    lines.append("")
    if missed:
        lines.append(f"{len(missed)} of {len(targeted)} targets missed in this run.")
    else:
        lines.append(f"All {len(targeted)} targets met in this run.")
    return [*lines, ""]


def _section(title: str, measurements: list[Measurement]) -> list[str]:
    latency = any(m.latency for m in measurements)
    head = (
        "| Subject | Engine | Median | "
        + ("p95 | " if latency else "")
        + "Min – max | Runs | Notes |"
    )
    rule = "|---|---|---:|" + ("---:|" if latency else "") + "---|---:|---|"
    lines = [f"### {title}", "", head, rule]
    for m in measurements:
        p95 = (f"{_figure(m, m.p95)} | " if m.latency else "— | ") if latency else ""
        spread = f"{number(min(m.samples))} – {number(max(m.samples))}"
        lines.append(
            f"| {m.subject} | {ENGINE_LABELS[m.engine]} | {_figure(m, m.median)} | {p95}"
            f"{spread} | {len(m.samples)} | {'; '.join(m.notes)} |"
        )
    return [*lines, ""]


def _ratios(ratios: list[Ratio]) -> list[str]:
    if not ratios:
        return []
    lines = ["## Ratios (medians of this run)", ""]
    lines += ["| Subject | Ratio | Engine | Value |", "|---|---|---|---:|"]
    for r in ratios:
        lines.append(f"| {r.subject} | {r.label} | {ENGINE_LABELS[r.engine]} | {r.value:.2f} |")
    return [*lines, ""]


def _method() -> list[str]:
    lines = ["## How each figure is measured", ""]
    for bench in sorted(BENCHMARKS.values(), key=lambda b: b.order):
        doc = (sys.modules[bench.run.__module__].__doc__ or "").strip()
        lines += [f"**{bench.title}** (`--only {bench.name}`): " + " ".join(doc.split()), ""]
    return lines


LARGE_RUN_SIZE = "10,000,000"
# The run at the size of several years of a large city's 311 is kept on a page of its own.
LARGE_RUN = (
    "- At 10,000,000 requests on PostgreSQL: [performance-10m.md](performance-10m.md) "
    "(`python -m bench --sizes 10M --engines postgresql --output docs/performance-10m.md`)."
)


def render(run: Run) -> str:
    """The whole page, as Markdown."""
    lines = [
        "# Performance",
        "",
        "Written by `make bench` (`python -m bench`); run it again to refresh this page rather "
        "than editing it. Every figure is the median of several runs on the machine below, "
        "and the ratios compare figures of the same run. A missed target is reported, "
        "never hidden.",
        "",
        f"- Date: {run.started:%Y-%m-%d %H:%M} UTC; the run took {run.seconds / 60:.1f} min.",
        f"- Command: `{run.command}`",
        f"- Code measured: commit {run.code}",
        "- Options: " + ", ".join(f"{k} {v}" for k, v in run.options.items()),
    ]
    if LARGE_RUN_SIZE not in run.options.get("sizes", ""):
        lines.append(LARGE_RUN)
    if run.status:
        lines.append(f"- **Incomplete run**: {run.status}.")
    for label, reason in run.unavailable.items():
        lines.append(f"- **{label} was not measured**: {reason}")
    for name, reason in run.failures.items():
        lines.append(f"- **{name} failed**: {reason.splitlines()[0]}")
    lines += ["", "## Machine", "", "| | |", "|---|---|"]
    lines += [f"| {key} | {value} |" for key, value in run.machine.items()]
    lines.append(f"| Load average (1/5/15 min) at end | {run.load_at_end} |")
    if run.speed_at_end:
        lines.append(f"| {SPEED_CHECK} at end | {run.speed_at_end} |")
    lines += ["", *_targets(run), "## Measurements", ""]
    for bench in sorted(BENCHMARKS.values(), key=lambda b: b.order):
        for name in sorted({m.benchmark for m in run.measurements}):
            if name == bench.name or name.startswith(f"{bench.name}-"):
                chosen = [m for m in run.measurements if m.benchmark == name]
                lines += _section(_title(bench, name), chosen)
    lines += _ratios(run.ratios)
    lines += _method()
    lines += RUNNING.splitlines()
    return "\n".join(lines).rstrip() + "\n"


RUNNING = """## Running it

- `make bench`: every benchmark at 1,000,000 rows/points on SQLite and PostgreSQL, then
  this page. `make bench BENCH_ARGS=--quick` does the same at 100,000.
- `python -m bench --only import --sizes 200k,1M --engines sqlite --repeat 5`: choose
  benchmarks, sizes, databases and runs; `--real-limit N` imports only the first N rows of
  each real file; `--profile` also writes a cProfile of one synthetic import per database
  to `var/bench/profiles/`; `--output` writes the page elsewhere; `--help` lists the rest.
- PostgreSQL: `$BENCH_POSTGRES_URL` or `--postgres-url` (default
  `postgres://postgres@127.0.0.1:5432/`); the bench creates and drops its own databases
  (`fixboard_bench`, `fixboard_bench_run`). If the server cannot be reached, the run says
  so at the start and on this page, and measures SQLite alone.
- The 1,000,000-row file is cached in `var/bench/data/`; each run's logs are in
  `var/bench/logs/` and its raw figures in `var/bench/results.json`.
- Adding a benchmark: a module in `bench/` with a `@benchmark` function (run in the
  orchestrator, returns `Measurement`s), `@task` functions for the work that needs Django
  (each call runs in a child process on a fresh copy of the migrated database), and
  optionally a `@derived` function for ratios; see `bench/registry.py`.
"""


def _title(bench, name: str) -> str:
    if name == bench.name:
        return bench.title
    return f"{bench.title}: {name.removeprefix(bench.name + '-').replace('-', ' ')}"


def summary(run: Run) -> str:
    """The PASS/MISS lines printed at the end of a run."""
    lines = []
    for m in run.measurements:
        if m.target:
            lines.append(
                f"{m.verdict}  {m.benchmark} {m.subject} [{ENGINE_LABELS[m.engine]}]: "
                f"{_figure(m, m.median)} (target {m.target.text})"
            )
    for label, reason in {**run.unavailable, **run.failures}.items():
        lines.append(f"NOT MEASURED  {label}: {reason.splitlines()[0]}")
    return "\n".join(lines)


def now() -> datetime:
    return datetime.now(UTC)
