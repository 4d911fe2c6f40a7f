"""`make bench` keeps working: one tiny run goes end to end and writes a complete page.

The figures of such a run mean nothing (a few hundred rows); what is checked is that every
benchmark ran on every database and that the page says what a reader needs. The run is
made once for the module (a fixture) and read by each test.
"""

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.conftest import DATA

ROOT = Path(__file__).resolve().parents[2]
REAL_ROWS = 150
SIZE = 400

OPEN311 = [
    "bare Django JSON view",
    "requests.json, 90-day window, newest 1,000",
    "requests.json, window, one service, status=open",
    "requests.json, window, page 3 of 1,000",
    "one request by id",
    "POST requests.json",
    "requests.json, window, one service, status=open, page of 20",
]
OPEN311_SHARES = [
    "one request / bare view",
    "services / bare view",
    "service definition / bare view",
    "page of ≤ 20 / bare view",
]
WEB = [
    "map data, whole city, zoom 9",
    "map data, whole city, zoom 10, one service, open",
    "map data, neighbourhood (zoom 14)",
    "map data, street (zoom 17, points)",
    "nearby duplicates, report form fragment",
    "nearby duplicates, API",
    "report page",
]


def _postgres_args() -> tuple[list[str], str | None]:
    """Measure PostgreSQL (only) when the suite runs on it, in a database of our own."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return [], None
    server = urlunsplit(urlsplit(url)._replace(path="/"))
    database = f"fixboard_bench_smoke_{os.getpid()}"
    return ["--postgres-url", server, "--postgres-database", database], "PostgreSQL"


def _sections(page: str) -> dict[str, str]:
    """The measurement tables by their heading."""
    parts = page.split("\n### ")[1:]
    return {part.split("\n", 1)[0]: part for part in parts}


@dataclass
class Run:
    stdout: str
    page: str
    labels: list[str]


@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory) -> Run:
    """One tiny `python -m bench` of every benchmark, read by the tests below."""
    if not DATA.is_dir():
        pytest.skip(f"real data not found at {DATA}")
    tmp_path = tmp_path_factory.mktemp("bench")
    output = tmp_path / "performance.md"
    postgres, postgres_label = _postgres_args()
    engines = "postgresql" if postgres else "sqlite"  # the suite's own database
    command = [
        sys.executable, "-m", "bench",
        "--sizes", str(SIZE), "--repeat", "1", "--real-limit", str(REAL_ROWS),
        "--engines", engines, "--output", str(output), "--work-dir", str(tmp_path / "work"),
        *postgres,
    ]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    labels = [postgres_label or "SQLite"]
    return Run(done.stdout, output.read_text(encoding="utf-8"), labels)


def test_bench_runs_every_benchmark_and_writes_the_page(smoke_run):
    page, labels = smoke_run.page, smoke_run.labels
    for heading in ("## Machine", "## Targets", "## Measurements", "## Ratios", "## How each"):
        assert heading in page
    for fact in ("| CPU |", "| RAM |", "| Python |", "| Django |", "| SQLite |", "Command:"):
        assert fact in page
    # How fast the machine ran, so runs of other days can be compared.
    assert re.search(r"\| Speed check .* at start \| [\d,]+ ms \|", page)
    assert re.search(r"\| Speed check .* at end \| [\d,]+ ms \|", page)
    sections = _sections(page)
    for label in labels:
        for subject in ("LA 2017", "LA 2020", "SF"):
            assert f"| {subject} ({REAL_ROWS} rows) | {label} |" in sections["Import"]
            assert f"| {subject} ({REAL_ROWS} rows) | {label} |" in sections["Import: memory"]
        for name in ("Import", "Import: memory", "Raw insert limit"):
            assert f"| LA 2020 resampled, {SIZE} rows | {label} |" in sections[name]
    for subject in (f"locate_many, {SIZE} LA points", f"raw contains_xy, {SIZE} LA points"):
        assert f"| {subject} |" in sections["Point → areas"]
    assert "| locate, one point |" in sections["Point → areas"]
    assert "import / raw insert" in page
    for label in labels:
        for subject in ("import", "autocomplete", "nearest"):
            assert (
                f"| {subject}, {SIZE} address points | {label} |"
                in sections["Address index: import, autocomplete, nearest address"]
            )
    # The reader is told each target's outcome, on the page and at the end of the run.
    assert "PASS" in page or "**MISS**" in page
    assert "target ≥ 20,000 rows/s" in smoke_run.stdout


def test_serving_benchmarks_measure_every_figure(smoke_run):
    """Each served figure was measured on every database without a wrong answer (every POST
    made a request), and the page shows the targets and ratios."""
    page = smoke_run.page
    sections = _sections(page)
    for label in smoke_run.labels:
        for subject in OPEN311:
            assert f"| {subject} | {label} |" in sections["Open311"]
        for subject in ("bare Django JSON view", "one request by id", "POST requests.json"):
            assert f"| {subject} | {label} |" in sections["Open311: throughput"]
        for subject in ("services.json", "service definition (services/<code>.json)"):
            assert f"| {subject} | {label} |" in sections["Open311: throughput"]
        for share in OPEN311_SHARES:
            assert f"| {share} | {label} |" in sections["Open311: throughput"]
        for subject in WEB:
            assert f"| {subject} | {label} |" in sections["Web"]
    assert "| one request by id | Open311 latency / bare view |" in page
    assert "| POST requests.json | Open311 throughput / bare view |" in page
    assert "p95 < 50 ms for a 1,000-row page" in page
    assert "| report page's scripts and styles, gzip | — |" in sections["Web: size"]
    assert "report." in sections["Web: size"] and "leaflet" not in sections["Web: size"]
    # A wrong answer (an error page, a refused post) would be counted on the page.
    assert "errors, left out" not in page


def test_bench_says_clearly_when_postgresql_is_down(shared_data, tmp_path):
    output = tmp_path / "performance.md"
    command = [
        sys.executable, "-m", "bench", "--only", "raw-insert",
        "--sizes", "50", "--repeat", "1",
        "--postgres-url", "postgres://postgres@127.0.0.1:1/",
        "--output", str(output), "--work-dir", str(tmp_path / "work"),
    ]  # fmt: skip
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)

    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    assert "PostgreSQL is not reachable at postgres://postgres@127.0.0.1:1/postgres" in done.stdout
    page = output.read_text(encoding="utf-8")
    assert "**PostgreSQL was not measured**: PostgreSQL is not reachable" in page
    assert "| LA 2020 resampled, 50 rows | SQLite |" in _sections(page)["Raw insert limit"]
