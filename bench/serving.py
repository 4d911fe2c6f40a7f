"""Serving Fixboard over HTTP for the benchmarks: gunicorn, latency and throughput clients.

The server is what `fixboard run` starts: gunicorn with its default (sync) workers, two of
them, DEBUG off, static files collected and served by WhiteNoise, bound to 127.0.0.1 on a
free port, with the bench URLconf (`bench.site`) that adds a bare Django JSON view. The
clients run in the bench process: latency is sequential requests, one at a time, after a
warm-up; throughput is several client threads sending as fast as the server answers for a
fixed time. A request whose answer is not the expected one counts as an error, is left
out of the figures and is reported with the figure.
"""

import http.client
import itertools
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.core.management import call_command

from .context import ROOT, BenchError, Context
from .dataset import loaded, rows_for
from .registry import Measurement, Target, task
from .site import BARE_PATH

WORKERS = 2
WARM_UP = 40
SAMPLES = 300
THROUGHPUT_SECONDS = 10.0
THROUGHPUT_CLIENTS = 8
# A run cut short by --max-seconds still times at least this many requests.
MIN_SAMPLES = 40
# Smoke runs (a few hundred rows) only check that everything works: short clocks.
SMOKE_ROWS = 10_000
SMOKE_SAMPLES = 10
SMOKE_WARM_UP = 2
SMOKE_SECONDS = 0.5
READY_SECONDS = 60
STOP_SECONDS = 15


@dataclass(frozen=True)
class Call:
    """One HTTP request to make, and what a correct answer looks like."""

    method: str
    path: str
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    expect: tuple[int, ...] = (200,)
    check: Callable[[bytes], bool] | None = None

    def ok(self, status: int, body: bytes) -> bool:
        return status in self.expect and (self.check is None or self.check(body))


# Makes the n-th call of a series (so ids, points and posts vary from call to call).
Calls = Callable[[int], Call]


def get(path: str, **kwargs) -> Calls:
    """The same GET every time."""
    call = Call("GET", path, **kwargs)
    return lambda n: call


class Client:
    """One HTTP connection (kept alive when the server allows it, reopened when not)."""

    def __init__(self, port: int):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def send(self, call: Call) -> tuple[int, bytes]:
        try:
            self.connection.request(call.method, call.path, body=call.body, headers=call.headers)
            response = self.connection.getresponse()
            return response.status, response.read()
        except (OSError, http.client.HTTPException) as exc:
            self.connection.close()
            return 0, repr(exc).encode()

    def close(self) -> None:
        self.connection.close()


@dataclass
class Errors:
    """Wrong answers of a series: how many, and the first one to show."""

    count: int = 0
    example: str = ""

    def add(self, call: Call, status: int, body: bytes) -> None:
        self.count += 1
        if not self.example:
            text = body[:200].decode("utf-8", "replace").replace("\n", " ")
            self.example = f"{call.method} {call.path[:80]} → {status or 'no answer'}: {text}"

    def notes(self) -> list[str]:
        if not self.count:
            return []
        return [f"{self.count:,} errors, left out (first: {self.example})"]


@dataclass
class Server:
    port: int
    process: subprocess.Popen
    log: str
    samples: int
    warm_up: int
    seconds: float

    def latency(self, ctx: Context, desc: str, calls: Calls) -> tuple[list[list[float]], Errors]:
        """Milliseconds of sequential requests, per run (--repeat runs within --max-seconds)."""
        errors = Errors()
        budget = ctx.options.max_seconds / ctx.options.repeat
        numbers = itertools.count()

        def once() -> list[float]:
            client = Client(self.port)
            for _ in range(self.warm_up):
                client.send(calls(next(numbers)))
            timings = []
            started = time.monotonic()
            for _ in range(self.samples):
                call = calls(next(numbers))
                before = time.perf_counter()
                status, body = client.send(call)
                took = time.perf_counter() - before
                if call.ok(status, body):
                    timings.append(took * 1000)
                else:
                    errors.add(call, status, body)
                if time.monotonic() - started > budget and len(timings) >= MIN_SAMPLES:
                    break
            client.close()
            return timings

        runs = ctx.repeat(desc, once)
        if not any(runs):
            raise BenchError(f"{desc}: no correct answer ({errors.example}; log {self.log})")
        return runs, errors

    def throughput(self, ctx: Context, desc: str, calls: Calls) -> tuple[list[float], Errors]:
        """Correct answers a second with THROUGHPUT_CLIENTS clients at once, per run."""
        errors = Errors()
        numbers = itertools.count()
        lock = threading.Lock()

        def once() -> float:
            done = []
            deadline = time.monotonic() + self.seconds

            def client_loop() -> None:
                client, answered = Client(self.port), 0
                while time.monotonic() < deadline:
                    with lock:
                        call = calls(next(numbers))
                    status, body = client.send(call)
                    if call.ok(status, body):
                        answered += 1
                    else:
                        with lock:
                            errors.add(call, status, body)
                client.close()
                with lock:
                    done.append(answered)

            started = time.monotonic()
            threads = [threading.Thread(target=client_loop) for _ in range(THROUGHPUT_CLIENTS)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            return sum(done) / (time.monotonic() - started)

        rates = ctx.repeat(desc, once)
        if not any(rates):
            raise BenchError(f"{desc}: no correct answer ({errors.example}; log {self.log})")
        return rates, errors


def latency_figures(
    benchmark: str,
    subject: str,
    engine,
    runs: list[list[float]],
    errors: Errors,
    *,
    target: Target | None = None,
    notes: list[str] = (),
) -> list[Measurement]:
    """The latency of every request; with a p95 target, also each run's p95 against it.

    A Target is held against a measurement's median, so a p95 target gets a figure whose
    samples are the p95 of each run (`<benchmark>-p95`, its own table on the page).
    """
    samples = [ms for run in runs for ms in run]
    figures = [
        Measurement(
            benchmark=benchmark,
            subject=subject,
            engine=engine.name,
            unit="ms",
            samples=samples,
            latency=True,
            notes=[f"{len(samples):,} requests in {len(runs)} runs", *notes, *errors.notes()],
        )
    ]
    if target is not None:
        p95s = [Measurement(benchmark, subject, "ms", run).p95 for run in runs if run]
        figures.append(
            Measurement(
                benchmark=f"{benchmark}-p95",
                subject=subject,
                engine=engine.name,
                unit="ms",
                samples=p95s,
                target=target,
                notes=["p95 of each run"],
            )
        )
    return figures


def on_each_engine(ctx: Context, name: str, measure: Callable) -> Iterator[Measurement]:
    """`measure(ctx, engine, data, server)` against a served copy of each engine's data set.

    A failure on one engine is recorded under `name` and the others still run.
    """
    for engine in ctx.engines:
        rows = rows_for(ctx, engine)
        try:
            with loaded(ctx, engine, rows) as data, serve(ctx, data.url, rows) as server:
                yield from measure(ctx, engine, data, server)
        except BenchError as exc:
            ctx.failures[f"{name} on {engine.label}"] = str(exc)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


_COLLECTED: set[str] = set()


@contextmanager
def serve(ctx: Context, database_url: str, rows: int) -> Iterator[Server]:
    """Gunicorn serving the bench site on that database, stopped afterwards."""
    var_dir = ctx.tmp_dir / "var"
    if str(var_dir) not in _COLLECTED:
        ctx.child(collect_static, database_url=database_url)
        _COLLECTED.add(str(var_dir))
    port = _free_port()
    logs = ctx.options.work_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    log = logs / f"gunicorn-{port}.log"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "bench.site.settings",
        "DEBUG": "0",
        "FIXBOARD_VAR_DIR": str(var_dir),
        "LOG_LEVEL": "WARNING",
    }
    command = [
        sys.executable, "-m", "gunicorn", "fixboard.wsgi:application",
        "--bind", f"127.0.0.1:{port}",
        "--workers", str(WORKERS),
        "--no-control-socket",
    ]  # fmt: skip
    smoke = rows < SMOKE_ROWS
    with log.open("w", encoding="utf-8") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=out)
    server = Server(
        port=port,
        process=process,
        log=str(log),
        samples=SMOKE_SAMPLES if smoke else SAMPLES,
        warm_up=SMOKE_WARM_UP if smoke else WARM_UP,
        seconds=SMOKE_SECONDS if smoke else THROUGHPUT_SECONDS,
    )
    try:
        _wait_ready(server)
        yield server
    finally:
        _stop(process)


def _wait_ready(server: Server) -> None:
    deadline = time.monotonic() + READY_SECONDS
    client = Client(server.port)
    try:
        while time.monotonic() < deadline:
            if server.process.poll() is not None:
                raise BenchError(f"gunicorn exited with {server.process.returncode} ({server.log})")
            status, _body = client.send(Call("GET", BARE_PATH))
            if status == 200:
                return
            time.sleep(0.2)
    finally:
        client.close()
    raise BenchError(f"gunicorn did not answer within {READY_SECONDS} s ({server.log})")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=STOP_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def shuffled(items: list, seed: int) -> list:
    """The items in a fixed random order (the same in every run)."""
    copy = list(items)
    random.Random(seed).shuffle(copy)
    return copy


@task
def collect_static() -> dict:
    """What `fixboard run` does before starting gunicorn: the hashed, compressed files."""
    call_command("collectstatic", interactive=False, verbosity=0)
    return {}
