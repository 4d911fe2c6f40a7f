"""Residents report by text: signed posts to /sms/inbound/ as the provider sends them."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from fixboard.channels.conversations import expire_conversations
from fixboard.channels.models import Conversation
from fixboard.notify.texts import opted_out
from fixboard.reports.models import Channel, Event, ServiceRequest
from tests.factories import INSIDE_EAST, INSIDE_WEST, submit_pothole

from .conftest import CITY_NUMBER as CITY
from .conftest import RESIDENT, SITE, reply_to, text_in

pytestmark = pytest.mark.django_db


def only_request() -> ServiceRequest:
    (request,) = ServiceRequest.objects.select_related("reporter", "service_type")
    return request


def test_a_full_conversation_by_address_makes_the_request(city):
    # The provider has no CSRF token: its signature stands in for one.
    client = Client(enforce_csrf_checks=True)
    ask_place = reply_to(client, "There is a big pothole in front of my house")
    assert "Where is it? Reply with the address or the nearest corner" in ask_place

    question = reply_to(client, "1900 east 4th street")
    assert "How deep is it?" in question
    assert "1. Shallow\n2. Deeper than 5 cm" in question

    confirm = reply_to(client, "2")
    assert "Report Pothole at 1900 E 4th St: “There is a big pothole" in confirm
    assert "Reply YES to send it, NO to cancel." in confirm
    assert not ServiceRequest.objects.exists(), "nothing is made before the yes"

    done = reply_to(client, "yes")
    request = only_request()
    assert f"Your request number is {request.public_id}" in done
    assert f"{SITE}/requests/{request.public_id}/" in done
    assert request.channel == Channel.SMS
    assert request.service_type == city.pothole
    assert request.attributes == {"depth": "deep"}
    assert (request.lat, request.long) == INSIDE_WEST
    assert request.address == "1900 E 4th St"
    assert request.description == "There is a big pothole in front of my house"
    assert request.reporter.phone == RESIDENT and request.reporter.may_text
    assert request.events.filter(kind=Event.Kind.SUBMITTED).count() == 1
    assert Conversation.objects.get().state == Conversation.State.SUBMITTED


def test_an_unclear_problem_gets_a_numbered_menu_of_types(city, client):
    reply_to(client, "Something is wrong here")
    menu = reply_to(client, "200 Main St")
    assert "What kind of problem is it? Reply with its number:" in menu
    lines = [line for line in menu.splitlines() if line[:1].isdigit()]
    assert {line.split(". ", 1)[1] for line in lines} == {"Bulky Items", "Graffiti", "Pothole"}
    number = next(line.split(".")[0] for line in lines if line.endswith("Graffiti"))
    assert "What kind of problem" in reply_to(client, "nine")  # not on the menu: asked again
    confirm = reply_to(client, number)
    assert "Report Graffiti at 200 Main St" in confirm
    reply_to(client, "YES")
    request = only_request()
    assert request.service_type == city.graffiti
    assert (request.lat, request.long) == INSIDE_EAST


@pytest.mark.parametrize(
    "link",
    [
        "https://maps.apple.com/?ll=34.05,-118.25&q=Dropped%20Pin",
        "https://www.google.com/maps/search/?api=1&query=34.05%2C-118.25",
        "https://www.google.com/maps/place/@34.05,-118.25,17z",
        "geo:34.05,-118.25;u=12",
    ],
)
def test_a_location_link_from_the_map_app_gives_the_place(city, client, link):
    reply_to(client, "Graffiti all over the wall")
    confirm = reply_to(client, f"Here: {link}")
    assert "Report Graffiti at 1900 E 4th St" in confirm, "the nearest known address"
    reply_to(client, "Yes")
    request = only_request()
    assert (request.lat, request.long) == INSIDE_WEST
    assert request.service_type == city.graffiti


def test_the_link_may_come_with_the_first_text(city, client):
    confirm = reply_to(client, "graffiti on the wall https://maps.google.com/?q=34.05,-118.15")
    assert "Report Graffiti at 200 Main St" in confirm
    assert "graffiti on the wall" in confirm


def test_places_that_will_not_do_are_asked_again_with_the_reason(city, client):
    reply_to(client, "graffiti")
    assert "We could not find “Nowhere Lane 99” in Testville" in reply_to(client, "Nowhere Lane 99")
    outside = reply_to(client, "geo:40.71,-74.0")
    assert "That place is outside Testville" in outside
    short = reply_to(client, "https://maps.app.goo.gl/AbCdEf123")
    assert "We cannot read a place from that link" in short
    assert not ServiceRequest.objects.exists()
    assert "Report Graffiti at 200 Main St" in reply_to(client, "200 main street")


def test_a_spanish_conversation_is_answered_in_spanish(city, client):
    place = reply_to(client, "Hay un bache enorme en la calle")
    assert "¿Dónde está?" in place
    question = reply_to(client, "1900 E 4th St")
    assert "Responda con su número:" in question
    confirm = reply_to(client, "1")
    assert "Responda SÍ para enviarlo" in confirm
    done = reply_to(client, "sí")
    request = only_request()
    assert f"Su número de aviso es {request.public_id}" in done
    assert request.service_type == city.pothole
    assert Conversation.objects.get().language == "es"


def test_es_switches_to_spanish_and_en_back(city, client):
    assert "¿Cuál es el problema?" in reply_to(client, "ES")
    assert "¿Dónde está?" in reply_to(client, "Graffiti on my fence")
    assert "Where is it?" in reply_to(client, "English")


def test_status_answers_the_current_public_status(city, client):
    request = submit_pothole(city)
    reply = reply_to(client, f"status {request.public_id.lower().replace('-', '')}")
    assert f"{request.public_id}, Pothole at" in reply
    assert ": new." in reply
    assert "We found no request ZZZZ-ZZZZ" in reply_to(client, "STATUS ZZZZ-ZZZZ")
    assert not Conversation.objects.exists(), "a status question starts no report"
    assert "Where is it?" in reply_to(client, "Status of the light on my street: broken")


def test_stop_ends_the_conversation_and_every_text(city, client):
    reply_to(client, "pothole on my street")
    assert "You will get no more texts from us" in reply_to(client, "STOP")
    assert opted_out(RESIDENT)
    assert Conversation.objects.get().state == Conversation.State.CANCELLED


def test_no_cancels_before_anything_is_sent(city, client):
    reply_to(client, "graffiti")
    reply_to(client, "200 Main St")
    assert "Cancelled: nothing was sent" in reply_to(client, "no")
    assert not ServiceRequest.objects.exists()
    assert "Where is it?" in reply_to(client, "graffiti again")


def test_an_abandoned_conversation_expires_and_the_next_text_starts_afresh(city, client, settings):
    reply_to(client, "graffiti")
    Conversation.objects.update(updated_at=timezone.now() - timedelta(minutes=61))
    assert expire_conversations() == 1
    assert Conversation.objects.get().state == Conversation.State.EXPIRED
    assert "Where is it?" in reply_to(client, "a pothole")
    assert Conversation.objects.filter(state=Conversation.State.PLACE).count() == 1


def test_a_number_that_texts_too_much_gets_no_answer(city, client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "sms_message": {"phone": "2/h"}}
    reply_to(client, "graffiti")
    reply_to(client, "200 Main St")
    assert reply_to(client, "YES") == "", "no loop with an automatic reply"
    assert "no more texts" in reply_to(client, "STOP"), "STOP is always answered"


def test_requests_by_text_are_limited_per_number(city, client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "sms_report": {"phone": "1/d"}}
    for expected in ("Your request number is", "Too many tries in a short time"):
        reply_to(client, "graffiti")
        reply_to(client, "200 Main St")
        assert expected in reply_to(client, "yes")
    assert ServiceRequest.objects.count() == 1


def test_unsigned_or_wrongly_signed_texts_are_refused(city, client):
    assert text_in(client, "graffiti", signed=False).status_code == 403
    forged = text_in(client, "graffiti", token="someone-elses-token")
    assert forged.status_code == 403
    assert "no valid X-Twilio-Signature" in forged.content.decode()
    assert not Conversation.objects.exists()


def test_texts_go_to_the_city_whose_line_was_texted(city, client):
    from fixboard.catalog.actions import save_phone_line
    from tests.factories import make_city

    other = make_city()
    assert "does not take reports" in reply_to(client, "graffiti"), "two cities, no line yet"
    save_phone_line(actor="test", data={"jurisdiction": other.jurisdiction, "number": CITY})
    reply_to(client, "graffiti")
    assert Conversation.objects.get().jurisdiction == other.jurisdiction


@pytest.mark.database("postgresql")
@pytest.mark.django_db(transaction=True)
def test_texts_from_one_number_at_once_on_two_workers_share_one_conversation(city):
    import threading

    from django.db import connection

    from fixboard.channels.conversations import answer

    start = threading.Barrier(4)
    replies, errors = [], []

    def worker(body):
        try:
            start.wait()
            replies.append(answer(phone=RESIDENT, to=CITY, body=body))
        except Exception as exc:  # pragma: no cover - shown by the assertion
            errors.append(exc)
        finally:
            connection.close()

    bodies = ["graffiti on the wall", "200 Main St", "pothole", "hello"]
    threads = [threading.Thread(target=worker, args=(body,)) for body in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(replies) == 4
    assert Conversation.objects.filter(state__in=Conversation.OPEN).count() == 1


def test_an_answer_that_is_not_one_of_the_choices_is_asked_again(city, client):
    reply_to(client, "pothole")
    reply_to(client, "1900 E 4th St")
    again = reply_to(client, "very")
    assert again.startswith("Reply with one of the numbers.\nHow deep is it?")
    assert "2. Deeper than 5 cm" in again
    assert "Reply YES to send it" in reply_to(client, "Deeper than 5 cm")
