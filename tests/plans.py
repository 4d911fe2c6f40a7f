"""Which indexes a page's statements use: their plans, with the parameters bound as sent.

Plans are read from the database for the statements exactly as Django sent them: SQLite,
for one, matches a partial index's condition only against some forms of a parameter.
"""

from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone

from fixboard.open311.loading import load_requests


def load_potholes(
    city, *, count: int, open_every: int, at: tuple[float, float], prefix: str = "PLAN"
) -> None:
    """`count` potholes in a 100 m × 100 m square from `at`, one in `open_every` still open
    (ids `prefix`-n)."""
    now = timezone.now()
    records = [
        {
            "service_request_id": f"{prefix}-{n}",
            "status": "closed" if n % open_every else "open",
            "service_code": "pothole",
            "service_name": "Pothole",
            "requested_datetime": (now - timedelta(minutes=10 + n)).isoformat(),
            "lat": at[0] + (n % 10) * 1e-4,
            "long": at[1] + (n // 10 % 10) * 1e-4,
            "description": f"Pothole {n}",
        }
        for n in range(count)
    ]
    assert load_requests(jurisdiction=city.jurisdiction, requests=records).created == count


def plans_of(run) -> list[str]:
    """The plan of each statement `run()` sends, in order, as the database would run it.

    Statistics are refreshed first, and PostgreSQL is told to avoid whole-table scans, which
    a test's small tables would otherwise get: plans as for a city's millions.
    """
    sent = []

    def record(execute, sql, params, many, context):
        sent.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        run()
    explain = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
    plans = []
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
        for sql, params in sent:
            cursor.execute(explain + sql, params)
            plans.append("\n".join(str(row[-1]) for row in cursor.fetchall()))
    return plans
