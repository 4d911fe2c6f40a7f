"""Business calendars: SLA due times counted in a city's working hours, with fixed clocks."""

import zoneinfo
from datetime import UTC, date, datetime, timedelta
from random import Random

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError

from fixboard.accounts.models import User
from fixboard.audit.models import AuditEntry
from fixboard.catalog import actions, calendars
from fixboard.catalog.models import BusinessCalendar, SlaUnit
from tests.factories import UserFactory, make_city

LA = zoneinfo.ZoneInfo("America/Los_Angeles")


def la(*args) -> datetime:
    """A wall-clock time in Los Angeles, as an aware datetime."""
    return datetime(*args, tzinfo=LA)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def make_calendar(city, exceptions=(), **fields) -> BusinessCalendar:
    """Monday to Friday 08:00-17:00, California's public holidays."""
    return actions.save_calendar(
        actor="test",
        data={"jurisdiction": city.jurisdiction, "country": "US", "subdivision": "CA", **fields},
        exceptions=list(exceptions),
    )


def due(city, value, unit, start):
    return calendars.due(city.jurisdiction.pk, value, unit, start)


def test_business_hours_skip_the_night_and_the_weekend(city):
    make_calendar(city)
    hours = SlaUnit.BUSINESS_HOURS
    # Friday 4 pm + 4 h: one hour on Friday, three on Monday.
    assert due(city, 4, hours, la(2026, 12, 4, 16)) == la(2026, 12, 7, 11)
    # Reported on Saturday: the clock starts on Monday morning.
    assert due(city, 2, hours, la(2026, 12, 5, 12)) == la(2026, 12, 7, 10)
    # Tuesday evening + 1 h: Wednesday 9 am.
    assert due(city, 1, hours, la(2026, 12, 8, 20)) == la(2026, 12, 9, 9)
    # Within a day, and exactly to the end of one.
    assert due(city, 3, hours, la(2026, 12, 8, 9, 30)) == la(2026, 12, 8, 12, 30)
    assert due(city, 9, hours, la(2026, 12, 8, 8)) == la(2026, 12, 8, 17)
    # A week of 45 working hours, Monday 8 am to Monday 8 am... through Friday 5 pm.
    assert due(city, 45, hours, la(2026, 12, 7, 8)) == la(2026, 12, 11, 17)
    # Returned in UTC.
    assert due(city, 4, hours, la(2026, 12, 4, 16)).tzinfo is UTC
    assert due(city, 4, hours, la(2026, 12, 4, 16)) == utc(2026, 12, 7, 19)


def test_several_ranges_a_day(city):
    make_calendar(city, monday="08:00-12:00, 13:00-17:00")
    # Monday 11:30 + 1 h: half an hour before lunch, half an hour after.
    assert due(city, 1, SlaUnit.BUSINESS_HOURS, la(2026, 12, 7, 11, 30)) == la(2026, 12, 7, 13, 30)
    # Reported at lunch: counted from 1 pm.
    assert due(city, 2, SlaUnit.BUSINESS_HOURS, la(2026, 12, 7, 12, 15)) == la(2026, 12, 7, 15)


def test_thanksgiving_and_the_day_after_are_skipped(city):
    make_calendar(city)
    # Wednesday 3 pm + 4 h: two hours on Wednesday; Thursday (Thanksgiving) and Friday (the
    # day after, a holiday in California) and the weekend are skipped.
    assert due(city, 4, SlaUnit.BUSINESS_HOURS, la(2026, 11, 25, 15)) == la(2026, 11, 30, 10)


def test_thanksgiving_only_in_the_country_without_the_state(city):
    make_calendar(city, subdivision="")
    # Federal holidays only: Thursday is off, the day after is a working day.
    assert due(city, 4, SlaUnit.BUSINESS_HOURS, la(2026, 11, 25, 15)) == la(2026, 11, 27, 10)


def test_days_closed_and_opened_by_hand(city):
    make_calendar(
        city,
        exceptions=[
            {"day": date(2026, 12, 7), "name": "Staff training", "kind": "closed"},
            {"day": date(2026, 11, 27), "name": "Open after all", "kind": "open"},
        ],
    )
    # Friday 4 pm + 4 h: Monday is closed by hand, so Tuesday 11 am.
    assert due(city, 4, SlaUnit.BUSINESS_HOURS, la(2026, 12, 4, 16)) == la(2026, 12, 8, 11)
    # The day after Thanksgiving is worked this year, with the usual hours.
    assert due(city, 4, SlaUnit.BUSINESS_HOURS, la(2026, 11, 25, 15)) == la(2026, 11, 27, 10)


def test_an_extra_working_saturday(city):
    make_calendar(
        city,
        exceptions=[
            {
                "day": date(2026, 12, 5),
                "name": "Pothole blitz",
                "kind": "open",
                "hours": "09:00-13:00",
            }
        ],
    )
    # Friday 4 pm + 4 h: one hour on Friday, three on the extra Saturday.
    assert due(city, 4, SlaUnit.BUSINESS_HOURS, la(2026, 12, 4, 16)) == la(2026, 12, 5, 12)


def test_spring_forward(city):
    make_calendar(city, sunday="00:00-24:00")
    hours = SlaUnit.BUSINESS_HOURS
    # 8 March 2026: at 2 am Los Angeles goes from PST (UTC-8) to PDT (UTC-7).
    # Friday 4 pm PST + 2 h: Friday 5 pm, Sunday 00:00-01:00 PST... counted in real hours.
    assert due(city, 2, hours, la(2026, 3, 6, 16)) == la(2026, 3, 8, 1)
    # Sunday midnight + 3 real hours: 4 am PDT (the hour from 2 to 3 does not exist).
    assert due(city, 3, hours, la(2026, 3, 8, 0)) == utc(2026, 3, 8, 11) == la(2026, 3, 8, 4)
    # The Sunday has 23 hours: + 24 h ends an hour into Monday, in PDT.
    assert due(city, 24, hours, la(2026, 3, 8, 0)) == la(2026, 3, 9, 9) == utc(2026, 3, 9, 16)


def test_spring_forward_across_a_weekend_without_working_nights(city):
    make_calendar(city)
    # Friday 4 pm PST + 2 h: Monday 9 am PDT, 16:00 UTC (it would be 17:00 in PST).
    assert due(city, 2, SlaUnit.BUSINESS_HOURS, la(2026, 3, 6, 16)) == utc(2026, 3, 9, 16)


def test_fall_back(city):
    make_calendar(city, sunday="00:00-24:00")
    hours = SlaUnit.BUSINESS_HOURS
    # 1 November 2026: at 2 am PDT the clock goes back to 1 am PST: the Sunday has 25 hours.
    assert due(city, 25, hours, la(2026, 11, 1, 0)) == la(2026, 11, 2, 0) == utc(2026, 11, 2, 8)
    assert due(city, 26, hours, la(2026, 11, 1, 0)) == la(2026, 11, 2, 9)
    # Friday 4 pm PDT + 2 h (Mon-Fri): Monday 9 am PST, 17:00 UTC.
    plain = actions.save_calendar(
        actor="test", data={"sunday": ""}, calendar=BusinessCalendar.objects.get()
    )
    assert plain.sunday == ""
    assert due(city, 2, hours, la(2026, 10, 30, 16)) == utc(2026, 11, 2, 17)


def test_business_days_end_at_the_close_of_the_nth_working_day(city):
    make_calendar(city)
    days = SlaUnit.BUSINESS_DAYS
    # Tuesday 10 am + 1 business day: the end of Wednesday.
    assert due(city, 1, days, la(2026, 12, 8, 10)) == la(2026, 12, 9, 17)
    # Reported Tuesday at 11 pm: the day it came in is still Tuesday.
    assert due(city, 1, days, la(2026, 12, 8, 23)) == la(2026, 12, 9, 17)
    # Friday + 1: Monday's close; Thursday + 3: the next Tuesday's.
    assert due(city, 1, days, la(2026, 12, 4, 9)) == la(2026, 12, 7, 17)
    assert due(city, 3, days, la(2026, 12, 10, 9)) == la(2026, 12, 15, 17)
    # Wednesday before Thanksgiving + 2: Monday and Tuesday after it.
    assert due(city, 2, days, la(2026, 11, 25, 10)) == la(2026, 12, 1, 17)


def test_calendar_units_and_a_jurisdiction_without_a_calendar(city):
    start = la(2026, 12, 4, 16)
    # No calendar: business time is calendar time.
    assert due(city, 4, SlaUnit.BUSINESS_HOURS, start) == la(2026, 12, 4, 20)
    assert due(city, 2, SlaUnit.BUSINESS_DAYS, start) == la(2026, 12, 6, 16)
    assert due(city, 4, SlaUnit.CALENDAR_HOURS, start) == la(2026, 12, 4, 20)
    # Calendar days keep the wall-clock time across a daylight-saving change (23 hours here).
    assert due(city, 1, SlaUnit.CALENDAR_DAYS, la(2026, 3, 7, 10)) == la(2026, 3, 8, 10)
    assert due(city, 1, SlaUnit.CALENDAR_DAYS, la(2026, 3, 7, 10)) == utc(2026, 3, 8, 17)
    # No target, no due time.
    assert due(city, None, SlaUnit.BUSINESS_HOURS, start) is None
    assert due(city, 0, SlaUnit.CALENDAR_HOURS, start) is None
    # A calendar does not change calendar hours.
    make_calendar(city)
    assert due(city, 4, SlaUnit.CALENDAR_HOURS, start) == la(2026, 12, 4, 20)


def test_each_process_reads_the_calendar_again_once_it_changes(city):
    calendar = make_calendar(city)
    start = la(2026, 12, 4, 16)
    assert due(city, 4, SlaUnit.BUSINESS_HOURS, start) == la(2026, 12, 7, 11)
    actions.save_calendar(
        actor="test",
        data={"saturday": "08:00-17:00"},
        exceptions=[],
        calendar=calendar,
    )
    assert due(city, 4, SlaUnit.BUSINESS_HOURS, start) == la(2026, 12, 5, 11)
    actions.delete_calendar(actor="test", calendar=calendar)
    assert due(city, 4, SlaUnit.BUSINESS_HOURS, start) == la(2026, 12, 4, 20)


def test_hours_are_checked_with_messages_a_person_can_act_on(city):
    with pytest.raises(ValidationError) as exc:
        actions.save_calendar(
            actor="test",
            data={
                "jurisdiction": city.jurisdiction,
                "country": "XX",
                "monday": "8 to 5",
                "tuesday": "17:00-08:00",
                "wednesday": "08:00-12:00, 11:00-17:00",
                "thursday": "08:00-25:00",
            },
            exceptions=[
                {
                    "day": date(2026, 12, 7),
                    "name": "Training",
                    "kind": "closed",
                    "hours": "09:00-12:00",
                },
                {"day": date(2026, 12, 7), "name": "Again", "kind": "closed"},
            ],
        )
    errors = exc.value.message_dict
    assert errors["monday"] == [
        "Write hours as 08:00-17:00, several separated by commas; 8 to 5 is not."
    ]
    assert errors["tuesday"] == ["17:00-08:00 ends before it starts."]
    assert errors["wednesday"] == ["The ranges 08:00-12:00, 11:00-17:00 overlap."]
    assert errors["thursday"] == ["08:00-25:00 is not a time of day."]
    assert errors["exception[2026-12-07].hours"] == [
        "A closed day has no hours; empty this field or make it a working day."
    ]
    assert errors["exception[2026-12-07].day"] == ["This day is listed twice."]
    assert not BusinessCalendar.objects.exists()

    with pytest.raises(ValidationError) as exc:
        actions.save_calendar(
            actor="test",
            data={"jurisdiction": city.jurisdiction, "country": "us", "subdivision": "ZZ"},
        )
    assert exc.value.message_dict["subdivision"][0].startswith("US has no subdivision ZZ; known")
    with pytest.raises(ValidationError) as exc:
        actions.save_calendar(
            actor="test",
            data={"jurisdiction": city.jurisdiction, "country": "XX"},
        )
    assert exc.value.message_dict == {
        "country": ["No public holidays are known for XX: use an ISO code such as US or CA."]
    }
    with pytest.raises(ValidationError) as exc:
        actions.save_calendar(
            actor="test",
            data={"jurisdiction": city.jurisdiction, **dict.fromkeys(calendars.WEEKDAYS, "")},
        )
    assert exc.value.message_dict == {
        "monday": ["Give the working hours of at least one day of the week."]
    }
    # 24:00 ends a day; lower-case codes are read as upper-case.
    saved = make_calendar(city, sunday="00:00-24:00", country="us", subdivision="ca")
    assert (saved.country, saved.subdivision) == ("US", "CA")
    with pytest.raises(ValidationError) as exc:
        make_calendar(city)
    assert exc.value.message_dict == {
        "jurisdiction": ["Testville has a calendar already: change that one."]
    }


def test_changes_are_audited_with_the_days(city):
    calendar = make_calendar(
        city, exceptions=[{"day": date(2026, 12, 24), "name": "Christmas Eve", "kind": "closed"}]
    )
    created = AuditEntry.objects.order_by("-id").first()
    assert created.action == "created"
    assert created.changes["monday"] == [None, "08:00-17:00"]
    assert created.changes["exception[2026-12-24]"][1]["name"] == "Christmas Eve"
    actions.save_calendar(
        actor="test",
        data={"friday": "08:00-12:00"},
        exceptions=[{"day": date(2026, 12, 31), "name": "New Year's Eve", "kind": "closed"}],
        calendar=calendar,
    )
    changed = AuditEntry.objects.order_by("-id").first()
    assert changed.changes["friday"] == ["08:00-17:00", "08:00-12:00"]
    assert changed.changes["exception[2026-12-24]"][1] is None
    assert changed.changes["exception[2026-12-31]"][0] is None
    assert [e.name for e in calendar.exceptions.all()] == ["New Year's Eve"]


def calendar_form(city, **overrides) -> dict:
    data = {
        "jurisdiction": city.jurisdiction.pk,
        "country": "US",
        "subdivision": "CA",
        "monday": "08:00-12:00, 13:00-17:00",
        "tuesday": "08:00-17:00",
        "wednesday": "08:00-17:00",
        "thursday": "08:00-17:00",
        "friday": "08:00-17:00",
        "saturday": "",
        "sunday": "",
        "exceptions-TOTAL_FORMS": "1",
        "exceptions-INITIAL_FORMS": "0",
        "exceptions-MIN_NUM_FORMS": "0",
        "exceptions-MAX_NUM_FORMS": "1000",
        "exceptions-0-day": "2026-12-24",
        "exceptions-0-name": "Christmas Eve",
        "exceptions-0-kind": "closed",
        "exceptions-0-hours": "",
    }
    return {**data, **overrides}


def test_the_admin_edits_a_calendar_through_the_domain(admin_client, city):
    page = admin_client.post("/admin/catalog/businesscalendar/add/", calendar_form(city))
    assert page.status_code == 302, page.content.decode()
    calendar = BusinessCalendar.objects.get()
    assert calendar.monday == "08:00-12:00, 13:00-17:00"
    assert [e.name for e in calendar.exceptions.all()] == ["Christmas Eve"]
    entry = AuditEntry.objects.order_by("-id").first()
    assert entry.actor == "admin" and entry.changes["exception[2026-12-24]"][0] is None

    page = admin_client.post(
        "/admin/catalog/businesscalendar/add/", calendar_form(city, monday="9-5")
    )
    assert page.status_code == 200
    assert "Write hours as 08:00-17:00" in page.content.decode()
    assert "Testville has a calendar already" in page.content.decode()
    change = admin_client.get(f"/admin/catalog/businesscalendar/{calendar.pk}/change/")
    assert change.status_code == 200
    # The library's holidays are listed for the admin to check.
    assert "Thanksgiving Day" in change.content.decode()


def _city_admin(jurisdiction) -> User:
    user = UserFactory(role=User.Role.ADMIN, jurisdictions=[jurisdiction], is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="catalog"))
    return user


def test_city_admins_edit_only_their_own_calendars(client, city):
    other = make_city("elsewhere")
    theirs = make_calendar(other)
    client.force_login(_city_admin(city.jurisdiction))
    assert client.get("/admin/catalog/businesscalendar/").status_code == 200
    assert client.get(f"/admin/catalog/businesscalendar/{theirs.pk}/change/").status_code in (
        302,
        403,
        404,
    )
    page = client.post(
        "/admin/catalog/businesscalendar/add/",
        calendar_form(city, jurisdiction=other.jurisdiction.pk),
    )
    assert page.status_code == 200  # refused: not one of the choices
    assert BusinessCalendar.objects.count() == 1
    page = client.post("/admin/catalog/businesscalendar/add/", calendar_form(city))
    assert page.status_code == 302, page.content.decode()
    assert BusinessCalendar.objects.filter(jurisdiction=city.jurisdiction).exists()


def walked(calendar: calendars.Calendar, start: datetime, hours: float) -> datetime:
    """Business hours added the slow way, a day at a time: the reference for the fast one."""
    left, day = timedelta(hours=hours), start.astimezone(calendar.zone).date()
    while True:
        for begin, end in calendar.working(day):
            if end <= start:
                continue
            begin = max(begin, start)
            if begin + left <= end:
                return begin + left
            left -= end - begin
        day += timedelta(days=1)


def test_the_fast_count_agrees_with_walking_day_by_day(city):
    make_calendar(
        city,
        monday="07:30-12:00, 12:45-16:15",
        sunday="00:00-03:00, 22:00-24:00",
        exceptions=[
            {"day": date(2026, 3, 9), "name": "Closed", "kind": "closed"},
            {"day": date(2026, 11, 7), "name": "Open", "kind": "open", "hours": "01:00-02:30"},
        ],
    )
    calendar = calendars.calendar_of(city.jurisdiction.pk)
    random = Random(16)
    for _ in range(400):
        # Around both of 2026's daylight-saving changes, the holidays and the year's ends.
        start = utc(2025, 12, 20) + timedelta(minutes=random.randrange(60 * 24 * 400))
        hours = random.choice([1, 2.5, 4, 9, 24, 40, 72, 200])
        assert calendar.add_business_hours(start, hours) == walked(calendar, start, hours), (
            start,
            hours,
        )
    # Reported at a range's very end or start.
    assert calendar.add_business_hours(la(2026, 12, 7, 12), 1) == la(2026, 12, 7, 13, 45)
    assert calendar.add_business_hours(la(2026, 12, 7, 7, 30), 4.5) == la(2026, 12, 7, 12)
    # Far from the years laid out so far, either way.
    assert calendar.add_business_hours(la(2031, 12, 31, 23), 1) == la(2032, 1, 2, 9)
    assert calendar.add_business_hours(la(2001, 7, 3, 16), 2) == la(2001, 7, 5, 9)
