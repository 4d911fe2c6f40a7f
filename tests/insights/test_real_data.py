"""The figures of real LA and SF files, imported through the real importer, against the same
figures computed here independently: from the CSV rows, and from the stored requests."""

import math
from collections import defaultdict
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from fixboard.insights.counting import BUCKETS
from fixboard.insights.selectors import area_figures, city_figures, departments_figures
from fixboard.reports.models import RequestArea, ServiceRequest
from fixboard.reports.selectors import public_requests
from tests.reports.test_import_helpers import (
    LA_2020,
    SF,
    data_rows,
    los_angeles,
    run_import,
    san_francisco,
)

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

LOS_ANGELES = ZoneInfo("America/Los_Angeles")
HOUR = 1 / 24


def la_2020(data):
    return los_angeles(data), LA_2020, "la-2020"


def sf(data):
    return san_francisco(data), SF, "sf"


# How each file says what happened, read from its own columns (not from the mapping).
FILES = {
    "la-2020": {
        "id": "srnumber",
        "service": "requesttype",
        "opened": "createddate",
        "closed": "closeddate",
        "format": "%m/%d/%y %H:%M",
        "outcome": lambda r: {
            "Closed": "fixed",
            "Cancelled": "closed",
            "Referred Out": "closed",
        }.get(r["status"], "open"),
    },
    "sf": {
        "id": "CaseID",
        "service": "Category",
        "opened": "Opened",
        "closed": "Closed",
        "format": "%m/%d/%Y %I:%M:%S %p",
        "outcome": lambda r: "fixed" if r["Status"] == "Closed" else "open",
    },
}


def nearest_rank(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(1, math.ceil(share * len(ordered))) - 1]


def assert_in_bucket(bucket: int | None, days: float | None, slack: float = 0.0):
    """`days` lies in the bucket whose lower edge is `bucket` (BUCKETS' precision)."""
    if days is None:
        assert bucket is None
        return
    upper = next((edge for edge in BUCKETS if edge > bucket), math.inf)
    assert bucket - slack <= days < upper + slack, (bucket, days)


class Expected:
    """Figures of one scope and service type, from plain rows."""

    def __init__(self):
        self.opened = self.fixed = self.still_open = self.closed = 0
        self.sla_due = self.sla_met = 0
        self.days: list[float] = []

    def add(self, outcome: str, days: float | None = None, met: bool | None = None):
        self.opened += 1
        if outcome == "open":
            self.still_open += 1
        elif outcome == "closed":
            self.closed += 1
        else:
            self.fixed += 1
            if days is not None:
                self.days.append(days)
            if met is not None:
                self.sla_due += 1
                self.sla_met += met

    def check(self, figures):
        counts = (figures.opened, figures.fixed, figures.still_open, figures.closed_otherwise)
        assert counts == (self.opened, self.fixed, self.still_open, self.closed)
        assert (figures.sla_due, figures.sla_met) == (self.sla_due, self.sla_met)
        assert_in_bucket(figures.median_days, nearest_rank(self.days, 0.5))
        assert_in_bucket(figures.p90_days, nearest_rank(self.days, 0.9))


def expected_from_rows(city) -> dict[tuple, Expected]:
    """Every scope's figures per service type name, from the stored requests."""
    areas = defaultdict(list)
    for request_id, area_id in RequestArea.objects.filter(request__jurisdiction=city).values_list(
        "request_id", "area_id"
    ):
        areas[request_id].append(area_id)
    expected = defaultdict(Expected)
    for row in public_requests().filter(jurisdiction=city).values(
        "id", "service_type__name", "department_id", "status", "close_reason",
        "requested_at", "closed_at", "expected_at",
    ):  # fmt: skip
        if row["status"] == "closed" and row["close_reason"] == "duplicate":
            continue
        if row["status"] != "closed":
            outcome, days, met = "open", None, None
        elif row["close_reason"] != "fixed":
            outcome, days, met = "closed", None, None
        else:
            outcome, days, met = "fixed", None, None
            if row["closed_at"]:
                seconds = int(row["closed_at"].timestamp()) - int(row["requested_at"].timestamp())
                days = max(seconds, 0) / 86_400
                if row["expected_at"]:
                    met = row["closed_at"] <= row["expected_at"]
        name = row["service_type__name"]
        scopes = [("city", city.pk), *(("area", a) for a in areas[row["id"]])]
        if row["department_id"]:
            scopes.append(("department", row["department_id"]))
        for scope in scopes:
            expected[(*scope, name)].add(outcome, days, met)
            expected[(*scope, None)].add(outcome, days, met)
    return expected


def expected_from_csv(data, path, layout: dict) -> dict[str, Expected]:
    imported = set(
        ServiceRequest.objects.filter(source_id__gt="").values_list("source_id", flat=True)
    )
    expected = defaultdict(Expected)
    for row in data_rows(data / path):
        if row[layout["id"]] not in imported:
            continue
        outcome = layout["outcome"](row)
        days = None
        if outcome == "fixed" and row[layout["closed"]]:
            opened, closed = (
                datetime.strptime(row[layout[k]], layout["format"]).replace(tzinfo=LOS_ANGELES)
                for k in ("opened", "closed")
            )
            days = max((closed - opened).total_seconds(), 0) / 86_400
        expected[row[layout["service"]]].add(outcome, days)
    return expected


@pytest.mark.parametrize("make", [la_2020, sf], ids=["la-2020", "sf"])
def test_figures_match_an_independent_count(shared_data, django_capture_on_commit_callbacks, make):
    city, path, mapping = make(shared_data)
    with django_capture_on_commit_callbacks(execute=True):  # the import's rebuild task
        run_import(shared_data / path, city, mapping)

    from_rows = expected_from_rows(city)
    figures = city_figures(city.pk)
    from_rows[("city", city.pk, None)].check(figures.total)
    assert figures.total.opened > 9000 and figures.total.median_days is not None
    for service in figures.by_service:
        from_rows[("city", city.pk, service.name)].check(service)
    assert len(figures.by_service) == len({k[2] for k in from_rows if k[0] == "city"}) - 1

    areas = {k[1] for k in from_rows if k[0] == "area"}
    assert len(areas) > 10
    for area_id in areas:
        from_rows[("area", area_id, None)].check(area_figures(area_id).total)
    departments = departments_figures(city.pk)
    assert len(departments) > 3
    by_name = dict(city.departments.values_list("name", "pk"))
    for name, department in departments:
        from_rows[("department", by_name[name], None)].check(department)

    # The file's own columns: the status words and the local times it gives.
    from_csv = expected_from_csv(shared_data, path, FILES[mapping])
    assert {s.name for s in figures.by_service} == set(from_csv)
    for service in figures.by_service:
        expected = from_csv[service.name]
        assert (service.opened, service.fixed, service.still_open) == (
            expected.opened,
            expected.fixed,
            expected.still_open,
        )
        # An hour's slack: a local time repeated when clocks go back may be read either way.
        assert_in_bucket(service.median_days, nearest_rank(expected.days, 0.5), HOUR)
        assert_in_bucket(service.p90_days, nearest_rank(expected.days, 0.9), HOUR)
