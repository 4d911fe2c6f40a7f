"""Date-times of an import: local wall times of the source's zone, read as zoneinfo reads
them, on ordinary days and on the days the clocks change."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from fixboard.reports.importing.datetimes import make_parser

FORMAT = "%Y-%m-%d %H:%M"


@pytest.mark.parametrize(
    "zone",
    # Lord Howe moves its clocks by half an hour; Havana changes them at midnight.
    ["America/Los_Angeles", "Europe/London", "Australia/Lord_Howe", "America/Havana"],
)
def test_every_quarter_hour_of_a_year_reads_as_zoneinfo_reads_it(zone):
    parse = make_parser((FORMAT,), zone)
    tz = ZoneInfo(zone)
    wall = datetime(2024, 1, 1)
    while wall.year == 2024:
        expected = wall.replace(tzinfo=tz).astimezone(UTC)  # fold=0, as documented
        assert parse(wall.strftime(FORMAT)) == expected, wall
        wall += timedelta(minutes=15)


def test_a_wall_time_the_clocks_skip_or_repeat_is_read_with_the_offset_before_the_change():
    parse = make_parser((FORMAT,), "America/Los_Angeles")
    # 2:30 never happened on 10 March 2024; 1:30 happened twice on 3 November.
    assert parse("2024-03-10 02:30") == datetime(2024, 3, 10, 10, 30, tzinfo=UTC)
    assert parse("2024-11-03 01:30") == datetime(2024, 11, 3, 8, 30, tzinfo=UTC)
    assert parse("2024-11-03 02:30") == datetime(2024, 11, 3, 10, 30, tzinfo=UTC)
