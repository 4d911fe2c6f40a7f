"""The serving benchmarks run end to end: a loaded database, gunicorn, every figure.

A tiny data set (a few hundred imported rows) and the smoke clocks of `bench.serving`:
what is checked is that each figure was measured on every database without a wrong
answer (every POST made a request), and that the page shows the targets and ratios.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.web import REFERENCES, _viewport

from .test_bench import _postgres_args, _sections

ROOT = Path(__file__).resolve().parents[2]
SIZE = 300
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


def test_serving_benchmarks_measure_every_figure(shared_data, tmp_path):
    output = tmp_path / "performance.md"
    postgres, postgres_label = _postgres_args()
    command = [
        sys.executable, "-m", "bench", "--only", "open311,web",
        "--sizes", str(SIZE), "--repeat", "1",
        "--engines", "sqlite,postgresql" if postgres else "sqlite",
        "--output", str(output), "--work-dir", str(tmp_path / "work"),
        *postgres,
    ]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)

    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    page = output.read_text(encoding="utf-8")
    sections = _sections(page)
    for label in ["SQLite", postgres_label] if postgres_label else ["SQLite"]:
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


@pytest.mark.parametrize(
    ("zoom", "width"),
    [(14, 1280 * 360 / 256 / 2**14), (17, 1280 * 360 / 256 / 2**17)],
)
def test_viewport_is_a_screen_wide_at_that_zoom(zoom, width):
    box = _viewport(34.05, -118.25, zoom)

    assert box["east"] - box["west"] == pytest.approx(width)
    assert box["south"] < 34.05 < box["north"]
    assert box["north"] - box["south"] < width  # latitude degrees are longer at 34°N


def test_asset_references_are_found_in_either_attribute_order():
    html = (
        '<link rel="stylesheet" href="/static/fixboard/site.1a.css">'
        '<script defer src="/static/fixboard/report.2b.js"></script>'
        '<link href="/static/vendor/leaflet-1.9.4/leaflet.3c.css" rel="stylesheet">'
        '<a href="/static/fixboard/not-an-asset.html">'
    )

    assert REFERENCES.findall(html) == [
        "/static/fixboard/site.1a.css",
        "/static/fixboard/report.2b.js",
        "/static/vendor/leaflet-1.9.4/leaflet.3c.css",
    ]
