"""`make bench` keeps working: a tiny run goes end to end and writes a complete page.

The figures of such a run mean nothing (a few hundred rows); what is checked is that every
benchmark ran on every database and that the page says what a reader needs.
"""

import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
REAL_ROWS = 150
SIZE = 400


def _postgres_args() -> tuple[list[str], str | None]:
    """Measure PostgreSQL too when the suite runs on it, in a database of our own."""
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


def test_bench_runs_every_benchmark_and_writes_the_page(shared_data, tmp_path):
    output = tmp_path / "performance.md"
    postgres, postgres_label = _postgres_args()
    engines = "sqlite,postgresql" if postgres else "sqlite"
    command = [
        sys.executable, "-m", "bench",
        "--sizes", str(SIZE), "--repeat", "1", "--real-limit", str(REAL_ROWS),
        "--engines", engines, "--output", str(output), "--work-dir", str(tmp_path / "work"),
        *postgres,
    ]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)

    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    page = output.read_text(encoding="utf-8")
    for heading in ("## Machine", "## Targets", "## Measurements", "## Ratios", "## How each"):
        assert heading in page
    for fact in ("| CPU |", "| RAM |", "| Python |", "| Django |", "| SQLite |", "Command:"):
        assert fact in page
    # How fast the machine ran, so runs of other days can be compared.
    assert re.search(r"\| Speed check .* at start \| [\d,]+ ms \|", page)
    assert re.search(r"\| Speed check .* at end \| [\d,]+ ms \|", page)
    sections = _sections(page)
    labels = ["SQLite", postgres_label] if postgres_label else ["SQLite"]
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
    assert "target ≥ 20,000 rows/s" in done.stdout


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
