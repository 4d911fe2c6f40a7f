"""A large import file made from real rows: LA 2020 resampled to any number of rows.

Each row is a real LA 2020 row with a new unique service request number, all its dates
shifted by the same random offset within 2020 (so created ≤ updated ≤ closed still holds),
and its point moved by a few tens of metres. Generated once per size and cached.
"""

import csv
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
from tqdm import tqdm

from .context import SHARED_DATA

LA_2020 = SHARED_DATA / "311" / "la" / "la311_2020-01_requests.csv"
DATE_COLUMNS = ("createddate", "updateddate", "servicedate", "closeddate")
SOURCE_FORMAT = "%m/%d/%y %H:%M"
JITTER_DEGREES = 0.0003
SEED = 2020
VERSION = 1


def _format(value: datetime) -> str:
    # The city's own format: 1/1/20 0:05 (no zero padding but the minutes).
    return f"{value.month}/{value.day}/{value.year % 100:02d} {value.hour}:{value.minute:02d}"


def _read_source() -> tuple[list[str], list[list[str]]]:
    with LA_2020.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        return header, list(reader)


def _parsed_dates(header: list[str], rows: list[list[str]]) -> list[list[datetime | None]]:
    columns = [header.index(c) for c in DATE_COLUMNS]
    return [
        [datetime.strptime(row[c], SOURCE_FORMAT) if row[c] else None for c in columns]
        for row in rows
    ]


def resampled_la_2020(rows: int, cache_dir: Path) -> Path:
    """The path of a CSV of `rows` resampled LA 2020 rows, generated if not cached."""
    path = cache_dir / f"la2020-resampled-{rows}-seed{SEED}-v{VERSION}.csv"
    if path.exists():
        return path
    cache_dir.mkdir(parents=True, exist_ok=True)
    header, source = _read_source()
    dates = _parsed_dates(header, source)
    date_columns = [header.index(c) for c in DATE_COLUMNS]
    id_column, lat_column, long_column = (
        header.index(c) for c in ("srnumber", "latitude", "longitude")
    )
    rng = np.random.default_rng(SEED)
    picks = rng.integers(0, len(source), rows).tolist()
    # Offsets keep the copies within 2020: the source rows span Jan 1-3.
    offsets = rng.integers(0, 360 * 24 * 60, rows).tolist()
    jitter = rng.normal(0.0, JITTER_DEGREES, (rows, 2)).tolist()
    partial = path.with_suffix(".partial")
    with partial.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for n in tqdm(range(rows), desc=f"Generating {path.name}", unit="row", leave=False):
            pick = picks[n]
            row = list(source[pick])
            row[id_column] = f"1-{3_000_000_000 + n}"
            shift = timedelta(minutes=offsets[n])
            for column, value in zip(date_columns, dates[pick], strict=True):
                if value is not None:
                    row[column] = _format(value + shift)
            if row[lat_column] and row[long_column]:
                row[lat_column] = f"{float(row[lat_column]) + jitter[n][0]:.8f}"
                row[long_column] = f"{float(row[long_column]) + jitter[n][1]:.7f}"
            writer.writerow(row)
    partial.rename(path)
    return path
