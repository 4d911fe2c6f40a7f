"""A fixed grid of cells about 200 m across, for looking up points near a point.

`AddressPoint.cell` holds its point's cell; the addresses near a point are those of the
nine cells around it, read through one ordinary index on any engine (SQLite has no
spatial index, and a range on latitude alone crosses the whole city).
"""

import math

CELL_DEGREES = 0.002
_ROW = 1_000_000  # more columns than 360 / CELL_DEGREES


def cell_of(lat: float, long: float) -> int:
    return math.floor((lat + 90) / CELL_DEGREES) * _ROW + math.floor((long + 180) / CELL_DEGREES)


def cells_around(cell: int) -> list[int]:
    """The cell and its eight neighbours."""
    return [cell + dr * _ROW + dc for dr in (-1, 0, 1) for dc in (-1, 0, 1)]
