"""What a benchmark is, and the registries that `python -m bench` discovers.

A benchmark module (any module of this package) registers:

- `@benchmark(name, title=...)`: a function run in the orchestrating process, given a
  `Context`; it yields `Measurement`s (the page is rewritten after each). It never sets
  Django up itself: anything that needs the database runs in a child process through
  `ctx.child(...)`, on a fresh database.
- `@task`: a function run inside such a child (Django set up on the engine's database);
  it takes JSON-able keyword arguments and returns a JSON-able dict.
- `@derived`: a function turning all measurements into `Ratio`s (e.g. import vs raw insert).

Adding a benchmark is adding a module with those functions: `discover()` imports every
module of the package.
"""

import importlib
import pkgutil
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field

import bench


@dataclass(frozen=True)
class Target:
    """A goal to compare a median against: `value` in the measurement's unit."""

    value: float
    text: str
    higher_is_better: bool = True

    def met(self, median: float) -> bool:
        return median >= self.value if self.higher_is_better else median <= self.value


@dataclass
class Measurement:
    """Repeated samples of one figure: one benchmark, one subject, one engine."""

    benchmark: str
    subject: str
    unit: str
    samples: list[float]
    engine: str = ""
    target: Target | None = None
    latency: bool = False
    notes: list[str] = field(default_factory=list)
    details: dict = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.benchmark}/{self.subject}/{self.engine}"

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def p95(self) -> float:
        ordered = sorted(self.samples)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]

    @property
    def verdict(self) -> str:
        if self.target is None:
            return ""
        return "PASS" if self.target.met(self.median) else "MISS"


@dataclass(frozen=True)
class Ratio:
    """Two medians of the same run, divided (e.g. import throughput / raw insert limit)."""

    subject: str
    label: str
    engine: str
    numerator: Measurement
    denominator: Measurement

    @property
    def value(self) -> float:
        return self.numerator.median / self.denominator.median


@dataclass(frozen=True)
class Benchmark:
    name: str
    title: str
    run: Callable
    order: int


BENCHMARKS: dict[str, Benchmark] = {}
TASKS: dict[str, Callable] = {}
DERIVED: list[Callable] = []


def benchmark(name: str, *, title: str, order: int = 100):
    """Register `func(ctx) -> Iterator[Measurement]` as the benchmark `name` (`--only name`)."""

    def register(func):
        BENCHMARKS[name] = Benchmark(name=name, title=title, run=func, order=order)
        return func

    return register


def task(func):
    """Register a function to run in a child process with Django set up."""
    TASKS[task_name(func)] = func
    return func


def task_name(func) -> str:
    return f"{func.__module__}.{func.__name__}"


def derived(func):
    """Register `func(measurements) -> list[Ratio]`, called once all benchmarks ran."""
    DERIVED.append(func)
    return func


def discover() -> None:
    """Import every module of the package so that their registrations run."""
    for module in pkgutil.iter_modules(bench.__path__):
        if module.name not in ("__main__", "child"):
            importlib.import_module(f"bench.{module.name}")


def find(measurements: list[Measurement], benchmark: str, subject: str, engine: str = ""):
    """The measurement with that key, or None."""
    for measurement in measurements:
        if (measurement.benchmark, measurement.subject, measurement.engine) == (
            benchmark,
            subject,
            engine,
        ):
            return measurement
    return None
