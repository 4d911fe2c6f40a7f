"""Changing the caller of a call (Alt+R): the wrong person picked, or a second caller on
the line. The place, the problem and the answers typed so far stay."""

import pytest

from fixboard.console.models import Call, Outcome
from fixboard.reports.actions import ContactDetails, upsert_contact
from fixboard.reports.models import ServiceRequest

pytestmark = pytest.mark.django_db


def url(call: Call, rest: str) -> str:
    return f"/console/calls/{call.pk}/{rest}"


@pytest.fixture
def callers():
    return (
        upsert_contact(ContactDetails(name="Ana Reyes", phone="(323) 555-0142")),
        upsert_contact(ContactDetails(name="Bo Chen", phone="(323) 555-0177")),
    )


def on_a_pothole_call(console, caller_phone: str) -> Call:
    call = Call.objects.get(ended_at__isnull=True)
    console.post(url(call, "caller/"), {"q": caller_phone})
    console.post(url(call, "place/"), {"q": "1900 e 4th"})
    console.post(url(call, "problem/"), {"q": "pothole"})
    return call


def test_the_wrong_caller_is_replaced_and_the_place_problem_and_answers_stay(console, callers):
    ana, bo = callers
    call = on_a_pothole_call(console, "323 555 0142")
    page = console.get("/console/").text
    assert 'id="change-caller"' in page and "<kbd>Alt+R</kbd>" in page

    response = console.post(
        url(call, "change-caller/"),
        {"attr-depth": "deep", "description": "Right by the bus stop"},
        follow=True,
    )

    call.refresh_from_db()
    assert (call.contact, call.phone) == (None, "")
    assert (call.address, call.service_type.code) == ("1900 E 4th St", "pothole")
    assert call.ended_at is None and Call.objects.count() == 1
    page = response.text
    assert "Find the caller: the place and problem stay." in page
    assert 'id="caller-q"' in page and 'data-focus="caller-q"' in page
    assert "Right by the bus stop</textarea>" in page
    assert '<option value="deep" selected>' in page

    # The right caller is found; the answers are still there, and the request is theirs.
    response = console.post(url(call, "caller/"), {"q": "323 555 0177"}, follow=True)
    assert "Bo Chen" in response.text and "Right by the bus stop</textarea>" in response.text
    console.post(url(call, "create/"), {"attr-depth": "deep", "description": "By the stop"})
    request = ServiceRequest.objects.get()
    assert request.reporter == bo and request.address == "1900 E 4th St"
    assert Call.objects.get().contact == bo


def test_a_second_caller_after_a_request_gets_a_call_of_their_own(console, callers):
    ana, bo = callers
    first = on_a_pothole_call(console, "323 555 0142")
    console.post(url(first, "create/"), {"attr-depth": "deep"})
    request = ServiceRequest.objects.get()

    response = console.post(url(first, "change-caller/"), follow=True)

    first.refresh_from_db()
    assert first.ended_at is not None and first.outcome == Outcome.NEW_REQUEST
    assert first.contact == ana
    second = Call.objects.get(ended_at__isnull=True)
    assert second.contact is None and second.request is None
    assert (second.address, second.service_type.code) == ("1900 E 4th St", "pothole")
    assert "The call with the first caller is wrapped up." in response.text
    # The second caller finds the request just made nearby, and joins it.
    console.post(url(second, "caller/"), {"q": "323 555 0177"})
    page = console.get("/console/").text
    assert f"Add this caller to {request.public_id}" in page
    console.post(url(second, f"add/{request.public_id}/"))
    second.refresh_from_db()
    assert second.outcome == Outcome.ADDED_TO_EXISTING and second.contact == bo
    request.refresh_from_db()
    assert request.support_count == 1 and request.reporter == ana


def test_there_is_no_caller_to_change_before_one_is_found(console):
    call = Call.objects.get()
    response = console.post(url(call, "change-caller/"))
    assert response.status_code == 400
    assert "There is no caller on this call yet." in response.text


def test_answers_kept_for_one_call_are_not_shown_on_another(console, callers):
    call = on_a_pothole_call(console, "323 555 0142")
    console.post(url(call, "change-caller/"), {"description": "Kept for this call only"})
    console.post("/console/calls/")  # Alt+N: the next call
    nxt = on_a_pothole_call(console, "323 555 0177")
    assert nxt.pk != call.pk
    assert "Kept for this call only" not in console.get("/console/").text
