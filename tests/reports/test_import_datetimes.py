"""Date-times of an import: local wall times of the source's zone, read as zoneinfo reads
them, on ordinary days and on the days the clocks change."""

import csv
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


TWELVE_HOUR = "%m/%d/%Y %I:%M:%S %p"


def test_every_date_time_of_the_san_francisco_file_reads_as_strptime_reads_it(shared_data):
    parse = make_parser((TWELVE_HOUR,), "America/Los_Angeles")
    tz = ZoneInfo("America/Los_Angeles")
    with (shared_data / "311" / "sf" / "sf311_cases_sample_10000.csv").open(newline="") as handle:
        values = {v for row in list(csv.reader(handle))[1:] for v in row[2:5] if v}
    assert len(values) > 15_000
    for value in sorted(values):
        expected = datetime.strptime(value, TWELVE_HOUR).replace(tzinfo=tz).astimezone(UTC)
        assert parse(value) == expected, value


@pytest.mark.parametrize(
    "text",
    [
        "02/30/2014 01:00:00 PM",  # no such day
        "04/30/2014 13:00:00 PM",  # no such hour on a 12-hour clock
        "04/30/2014 02:61:00 PM",  # no such minute
        "04/30/2014 02:51:52",  # no AM or PM
        "04/30/2014",
        "04/30/2014T02:51:52 PM",
        "2014-04-30 02:51:52 PM",
    ],
)
def test_a_date_time_that_does_not_fit_the_format_is_unreadable(text):
    parse = make_parser((TWELVE_HOUR,), "America/Los_Angeles")
    assert parse("04/30/2014 02:51:52 PM") == datetime(2014, 4, 30, 21, 51, 52, tzinfo=UTC)
    assert parse(text) is None


def test_midnight_and_noon_on_a_twelve_hour_clock_and_any_spacing_between_date_and_time():
    parse = make_parser((TWELVE_HOUR,), "UTC")
    assert parse("1/2/2020 12:00:00 AM") == datetime(2020, 1, 2, 0, 0, tzinfo=UTC)
    assert parse("1/2/2020 12:30:05 pm") == datetime(2020, 1, 2, 12, 30, 5, tzinfo=UTC)
    assert parse("1/2/2020   12:30:05   PM") == datetime(2020, 1, 2, 12, 30, 5, tzinfo=UTC)
    assert parse("1/2/2020\t1:30:05 PM") == datetime(2020, 1, 2, 13, 30, 5, tzinfo=UTC)


def test_a_day_and_a_time_of_day_read_before_pair_up_right_whatever_the_spacing():
    parse = make_parser((TWELVE_HOUR,), "UTC")
    first = [
        ("1/2/2020\t1:30:05 PM", datetime(2020, 1, 2, 13, 30, 5, tzinfo=UTC)),
        ("1/2/2020  1:30:05 AM", datetime(2020, 1, 2, 1, 30, 5, tzinfo=UTC)),
        ("1/3/2020 11:00:00 PM", datetime(2020, 1, 3, 23, 0, tzinfo=UTC)),
    ]
    for text, expected in first:
        assert parse(text) == expected, text
    # Each part again, in new pairings and spacings.
    assert parse("1/3/2020 1:30:05 PM") == datetime(2020, 1, 3, 13, 30, 5, tzinfo=UTC)
    assert parse("1/2/2020 11:00:00 PM") == datetime(2020, 1, 2, 23, 0, tzinfo=UTC)
    assert parse("1/2/2020 1:30:05 AM") == datetime(2020, 1, 2, 1, 30, 5, tzinfo=UTC)
    assert parse("1/3/2020 11:00:00 PM junk") is None
    assert parse("1/3/2020 13:00:00 PM") is None


@pytest.mark.parametrize("fmt", [TWELVE_HOUR, "%m/%d/%Y %H:%M:%S"])
def test_a_new_second_of_a_minute_read_before_reads_right_and_a_bad_one_does_not(fmt):
    parse = make_parser((fmt,), "America/Los_Angeles")
    twelve = fmt == TWELVE_HOUR
    assert parse("7/4/2019 1:30:05 PM" if twelve else "7/4/2019 13:30:05") == datetime(
        2019, 7, 4, 20, 30, 5, tzinfo=UTC
    )
    # The same minute, other seconds: from the minute's start plus the second.
    for second in ("00", "07", "59"):
        text = f"7/4/2019 1:30:{second} PM" if twelve else f"7/4/2019 13:30:{second}"
        expected = datetime(2019, 7, 4, 20, 30, int(second), tzinfo=UTC)
        assert parse(text) == expected, text
    # Read whole when the second is not two digits; unreadable when it is no second.
    assert parse("7/4/2019 1:30:7 PM" if twelve else "7/4/2019 13:30:7") == datetime(
        2019, 7, 4, 20, 30, 7, tzinfo=UTC
    )
    for bad in ("60", "599", "5x"):
        text = f"7/4/2019 1:30:{bad} PM" if twelve else f"7/4/2019 13:30:{bad}"
        assert parse(text) is None, text
