"""The console's pages through the Django client: each step, its bad input, and who may."""

import pytest

from fixboard.console.models import Call, Outcome
from fixboard.console.spelling import spell_id
from fixboard.reports.actions import ContactDetails, submit_request, upsert_contact
from fixboard.reports.models import Channel, Contact, Event, ServiceRequest
from tests.factories import INSIDE_WEST, OUTSIDE, submit_pothole

pytestmark = pytest.mark.django_db


def the_call() -> Call:
    return Call.objects.get()


def url(call: Call, rest: str) -> str:
    return f"/console/calls/{call.pk}/{rest}"


def test_an_unknown_phone_format_is_refused_with_a_reason(console):
    call = the_call()
    response = console.post(url(call, "caller/"), {"q": "12"})
    assert response.status_code == 400
    assert "is not a phone number we can call: give the area code and number" in response.text
    assert the_call().contact is None


def test_a_known_caller_is_found_by_any_spelling_of_their_number(console, city):
    # An older contact, stored with the digits as typed before phones became E.164.
    old = upsert_contact(ContactDetails(name="Ana Reyes", email="ana@example.org"))
    type(old).objects.filter(pk=old.pk).update(phone="3235551234")
    submit_request(
        service_type=city.pothole,
        lat=INSIDE_WEST[0],
        long=INSIDE_WEST[1],
        attributes={"depth": "deep"},
        address="1900 E 4th St",
        reporter=old,
        actor=None,
    )
    response = console.post(url(the_call(), "caller/"), {"q": "(323) 555-1234"}, follow=True)
    assert response.status_code == 200
    assert the_call().contact == old
    page = response.text
    assert "Ana Reyes" in page
    assert "Your Pothole report at 1900 E 4th St from" in page
    assert "is with Streets and waits its turn; expected by" in page


def test_a_caller_is_found_by_e_mail(console):
    known = upsert_contact(ContactDetails(name="Bo", email="bo@example.org"))
    console.post(url(the_call(), "caller/"), {"q": "BO@example.org"})
    assert the_call().contact == known


def test_a_new_caller_is_made_from_what_was_typed_with_consent(console):
    response = console.post(url(the_call(), "caller/"), {"q": "323.555.9876"})
    assert response.status_code == 200
    assert 'value="(323) 555-9876"' in response.text  # the new-caller form, filled in
    console.post(
        url(the_call(), "caller/"),
        {"operation": "new", "name": "Lee Park", "phone": "(323) 555-9876", "may_text": "1"},
    )
    contact = the_call().contact
    assert (contact.name, contact.phone, contact.may_text, contact.may_email) == (
        "Lee Park",
        "+13235559876",
        True,
        False,
    )


def test_a_known_callers_answers_are_changed_and_their_old_phone_made_e164(console):
    old = Contact.objects.create(name="Ana", phone="3235551234")
    console.post(url(the_call(), "caller/"), {"q": "323 555 1234"})
    console.post(url(the_call(), "caller/"), {"operation": "consent", "may_email": "1"})
    old.refresh_from_db()
    assert (old.may_text, old.may_email, old.phone) == (False, True, "+13235551234")


def test_a_new_caller_with_a_bad_e_mail_is_told_which_field(console):
    response = console.post(
        url(the_call(), "caller/"), {"operation": "new", "name": "Lee", "email": "lee@"}
    )
    assert response.status_code == 400
    assert "Give an e-mail address like name@example.com." in response.text


def test_an_address_is_found_as_typed(console):
    response = console.post(url(the_call(), "place/"), {"q": "1900 e 4th"}, follow=True)
    call = the_call()
    assert (call.address, call.zipcode) == ("1900 E 4th St", "90033")
    assert (call.lat, call.long) == INSIDE_WEST
    assert "1900 E 4th St" in response.text


def test_suggestions_list_the_addresses_as_they_are_typed(console):
    response = console.get(url(the_call(), "places/"), {"q": "200 ma"})
    assert "200 Main St" in response.text and "1900 E 4th" not in response.text


def test_an_unknown_address_says_what_to_do(console):
    response = console.post(url(the_call(), "place/"), {"q": "99 Nowhere Rd"})
    assert response.status_code == 400
    assert "No known address starts with “99 Nowhere Rd”" in response.text


def test_a_point_outside_the_city_is_refused(console):
    lat, long = OUTSIDE
    response = console.post(url(the_call(), "place/"), {"lat": lat, "long": long})
    assert response.status_code == 400
    assert "This place is outside Testville, so the city cannot act on it." in response.text
    assert the_call().lat is None


def test_a_point_on_the_map_is_named_by_its_nearest_address(console):
    console.post(url(the_call(), "place/"), {"lat": "34.0501", "long": "-118.2501"})
    assert the_call().address == "1900 E 4th St"


def test_no_service_type_matching_is_refused(console):
    response = console.post(url(the_call(), "problem/"), {"q": "unicorns"})
    assert response.status_code == 400
    assert "No service matches “unicorns”" in response.text
    response = console.post(url(the_call(), "problem/"), {"q": ""})
    assert "Type what the problem is" in response.text


def test_a_request_needs_a_place_and_a_problem(console):
    response = console.post(url(the_call(), "create/"), {})
    assert response.status_code == 400
    assert "Find the place first." in response.text
    assert "Choose the problem first." in response.text


def test_a_phone_request_is_made_with_the_agent_and_read_back(console, agent, city):
    call = the_call()
    console.post(url(call, "caller/"), {"operation": "new", "name": "Lee", "phone": "3235550000"})
    console.post(url(call, "place/"), {"q": "1900 e 4th"})
    console.post(url(call, "problem/"), {"q": "hole"})
    response = console.post(url(call, "create/"), {}, follow=False)
    assert response.status_code == 400
    assert response.text.count("Please answer: How deep is it?") == 2  # summary, field
    response = console.post(url(call, "create/"), {"attr-depth": "deep"}, follow=True)
    request = ServiceRequest.objects.get()
    assert request.channel == Channel.PHONE
    assert request.reporter == the_call().contact
    submitted = Event.objects.get(request=request, kind=Event.Kind.SUBMITTED)
    assert submitted.actor_user == agent
    assert request.public_id in response.text
    assert the_call().outcome == Outcome.NEW_REQUEST
    assert f"Your request number is {spell_id(request.public_id)}." in response.text


def test_the_caller_is_added_to_an_open_request_nearby(console, agent, city):
    existing = submit_pothole(city, address="1900 E 4th St")
    call = the_call()
    console.post(url(call, "caller/"), {"operation": "new", "name": "Lee", "phone": "3235550000"})
    console.post(url(call, "place/"), {"q": "1900 e 4th"})
    response = console.post(url(call, "problem/"), {"q": "pothole"}, follow=True)
    assert f"Add this caller to {existing.public_id}" in response.text
    response = console.post(url(call, f"add/{existing.public_id}/"), follow=True)
    existing.refresh_from_db()
    assert (existing.support_count, existing.follow_count) == (1, 1)
    event = Event.objects.get(request=existing, kind=Event.Kind.CALLER_ADDED)
    assert event.actor_user == agent and event.public
    assert the_call().outcome == Outcome.ADDED_TO_EXISTING
    assert the_call().request == existing
    # Adding again says why not.
    response = console.post(url(call, f"add/{existing.public_id}/"))
    assert response.status_code == 400
    assert "This caller is already on this request." in response.text


def test_an_informational_call_is_logged_with_its_topic_and_ended(console, city):
    topic = city.jurisdiction.call_topics.get()
    response = console.post(url(the_call(), "informational/"), {"topic": topic.pk}, follow=True)
    call = the_call()
    assert (call.outcome, call.topic, call.ended_at is not None) == (
        Outcome.INFORMATIONAL,
        topic,
        True,
    )
    assert "Informational call about Street sweeping schedule logged." in response.text
    assert "My calls today: 1" in response.text


def test_a_new_call_wraps_up_the_one_on_as_abandoned(console):
    first = the_call()
    console.post("/console/calls/")
    first.refresh_from_db()
    assert first.outcome == Outcome.ABANDONED and first.ended_at is not None
    assert Call.objects.filter(ended_at__isnull=True).count() == 1


def test_another_agents_call_is_not_found(console, city, client):
    from tests.factories import UserFactory

    other = UserFactory(role="agent", jurisdictions=[city.jurisdiction])
    client.force_login(other)
    assert client.post(url(the_call(), "place/"), {"q": "1900"}).status_code == 404


def test_the_on_hold_panel_shows_the_link_and_its_qr_code(console, city, settings):
    response = console.get("/console/")
    assert f"localhost:8000/{city.jurisdiction.slug}/report" in response.text
    assert 'src="data:image/svg+xml;base64,' in response.text


def test_htmx_gets_only_the_call_region(console):
    response = console.get("/console/", headers={"HX-Request": "true"})
    assert response.text.lstrip().startswith('<div id="call"')
    assert "<html" not in response.text


def test_the_caller_is_texted_the_link_to_report_online(
    console, city, sms_outbox, django_capture_on_commit_callbacks
):
    console.post(
        url(the_call(), "caller/"), {"operation": "new", "name": "Lee", "phone": "3235550000"}
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = console.post(url(the_call(), "text/"), {"what": "online"}, follow=True)
    assert "Text to (323) 555-0000 on its way" in response.text
    [sent] = sms_outbox()
    assert sent["to"] == "+13235550000"
    assert f"/{city.jurisdiction.slug}/report/" in sent["body"]


def test_a_topics_answer_is_texted(console, city, sms_outbox, django_capture_on_commit_callbacks):
    console.post(
        url(the_call(), "caller/"), {"operation": "new", "name": "Lee", "phone": "3235550000"}
    )
    topic = city.jurisdiction.call_topics.get()
    with django_capture_on_commit_callbacks(execute=True):
        console.post(url(the_call(), "text/"), {"what": "answer", "topic": topic.pk})
    [sent] = sms_outbox()
    assert sent["body"] == "Testville 311: The signs on your street give the day."
    assert the_call().is_on  # texting an answer does not end the call


def test_a_text_without_a_number_or_request_says_why(console, sms_outbox):
    response = console.post(url(the_call(), "text/"), {"what": "online"})
    assert response.status_code == 400
    assert "Find or add the caller&#x27;s phone number first." in response.text
    console.post(
        url(the_call(), "caller/"), {"operation": "new", "name": "Lee", "phone": "3235550000"}
    )
    response = console.post(url(the_call(), "text/"), {"what": "request_id"})
    assert response.status_code == 400
    assert "There is no request on this call yet." in response.text
    assert sms_outbox() == []


def test_a_number_that_said_stop_is_not_texted(console, sms_outbox):
    from fixboard.notify import optouts

    console.post(
        url(the_call(), "caller/"), {"operation": "new", "name": "Lee", "phone": "3235550000"}
    )
    optouts.opt_out(phone="+13235550000", source="stop")
    response = console.post(url(the_call(), "text/"), {"what": "online"})
    assert response.status_code == 400
    assert sms_outbox() == []


def test_the_console_page_shows_no_template_comment(console):
    page = console.get("/console/", follow=True)
    assert page.status_code == 200
    assert "{#" not in page.text and "#}" not in page.text
