"""STOP and START in English and Spanish, city by city: a STOP texted to one city's number
stops that city's texts only, START takes back that city's alone; every text is checked."""

import html

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from twilio.request_validator import RequestValidator

from fixboard.catalog.actions import save_phone_line
from fixboard.notify import text_tasks
from fixboard.notify.models import TextMessage, TextOptOut
from fixboard.notify.optouts import opt_out
from fixboard.notify.texts import opted_out, queue_text
from tests.factories import make_city

pytestmark = pytest.mark.django_db

TOKEN = "inbound-test-token"
SITE = "https://fix.example.gov"
CALLER = "+13235551234"
LA_NUMBER, SF_NUMBER = "+13235550100", "+14155550100"


@pytest.fixture(autouse=True)
def _provider_settings(settings, sms_outbox):
    settings.SMS_AUTH_TOKEN = TOKEN
    settings.SITE_URL = SITE


@pytest.fixture
def cities():
    la, sf = make_city("los-angeles"), make_city("san-francisco")
    la.jurisdiction.name, sf.jurisdiction.name = "Los Angeles", "San Francisco"
    for city in (la, sf):
        city.jurisdiction.save(update_fields=["name"])
    save_phone_line(actor="test", data={"jurisdiction": la.jurisdiction, "number": LA_NUMBER})
    save_phone_line(actor="test", data={"jurisdiction": sf.jurisdiction, "number": SF_NUMBER})
    return la.jurisdiction, sf.jurisdiction


def text_in(body: str, *, to: str) -> str:
    """The reply to `body` texted by CALLER to the city's number `to`, as the provider posts it."""
    fields = {
        "MessageSid": "SM0123456789abcdef0123456789abcdef",
        "AccountSid": "AC0123456789abcdef0123456789abcdef",
        "From": CALLER,
        "To": to,
        "Body": body,
        "NumMedia": "0",
    }
    signature = RequestValidator(TOKEN).compute_signature(f"{SITE}/sms/inbound/", fields)
    response = Client().post("/sms/inbound/", fields, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def queue(jurisdiction) -> TextMessage:
    return queue_text(
        phone=CALLER,
        body="Report online: x",
        kind=TextMessage.Kind.REPORT_ONLINE,
        jurisdiction=jurisdiction,
    )


@pytest.mark.parametrize("word", ["PARAR", "alto", "Cancelar", "baja", "Dar de baja.", "DETENER"])
def test_a_spanish_stop_word_stops_the_city_s_texts_with_a_spanish_answer(cities, word):
    la, sf = cities
    reply = text_in(word, to=LA_NUMBER)
    assert (
        "Los Angeles 311: No recibirá más mensajes de texto nuestros. "
        "Responda ALTA para volver a recibirlos." in reply
    )
    assert opted_out(CALLER, jurisdiction=la)
    assert not opted_out(CALLER, jurisdiction=sf)
    assert TextOptOut.objects.get(phone=CALLER).source == TextOptOut.Source.STOP


@pytest.mark.parametrize("word", ["ALTA", "iniciar", "Comenzar", "START"])
def test_a_start_word_in_either_language_lets_the_city_s_texts_go_again(cities, word):
    la, _sf = cities
    text_in("PARAR", to=LA_NUMBER)
    reply = text_in(word, to=LA_NUMBER)
    if word == "START":  # an English word in English, whatever language came before
        assert "Los Angeles 311: You will get our texts again. Reply STOP to stop them." in reply
    else:
        assert (
            "Los Angeles 311: Volverá a recibir nuestros mensajes de texto. "
            "Responda PARAR para dejar de recibirlos." in reply
        )
    assert not opted_out(CALLER, jurisdiction=la)


def test_spanish_help_is_answered_in_spanish(cities):
    reply = text_in("Ayuda", to=LA_NUMBER)
    assert "Mensajes del 311 de la ciudad" in reply and "PARAR" in reply


def test_a_stop_to_one_city_leaves_another_city_s_texts_going(cities, sms_outbox):
    la, sf = cities
    text_in("STOP", to=LA_NUMBER)
    assert "Los Angeles 311: You will get no more texts from us." in text_in("STOP", to=LA_NUMBER)

    with pytest.raises(ValidationError, match=r"This number asked us to stop texting"):
        queue(la)
    sent = queue(sf)
    assert text_tasks.send_text.call(sent.pk) == "sent"
    assert [m["to"] for m in sms_outbox()] == [CALLER]


def test_a_start_to_one_city_leaves_another_city_s_stop(cities):
    la, sf = cities
    text_in("STOP", to=LA_NUMBER)
    text_in("STOP", to=SF_NUMBER)
    text_in("START", to=LA_NUMBER)
    assert not opted_out(CALLER, jurisdiction=la)
    assert opted_out(CALLER, jurisdiction=sf)


def test_an_opt_out_of_every_city_taken_back_at_one_keeps_the_others(cities):
    la, sf = cities
    opt_out(phone=CALLER, source=TextOptOut.Source.CARRIER)  # the provider's block: all
    assert opted_out(CALLER, jurisdiction=la) and opted_out(CALLER, jurisdiction=sf)

    text_in("START", to=LA_NUMBER)

    assert not opted_out(CALLER, jurisdiction=la)
    assert opted_out(CALLER, jurisdiction=sf)
    kept = TextOptOut.objects.get(phone=CALLER)
    assert (kept.jurisdiction, kept.source) == (sf, TextOptOut.Source.CARRIER)


def test_every_text_is_checked_when_it_is_sent_for_its_own_city(cities):
    la, sf = cities
    la_text, sf_text = queue(la), queue(sf)  # queued before the STOP, not sent yet

    text_in("PARAR", to=LA_NUMBER)

    la_text.refresh_from_db()
    assert la_text.state == TextMessage.State.CANCELLED
    assert text_tasks.send_text.call(la_text.pk) == "skipped"
    assert text_tasks.send_text.call(sf_text.pk) == "sent"


def test_a_stop_to_a_number_no_city_owns_stops_every_city(cities):
    la, sf = cities
    reply = text_in("STOP", to="+12125550100")
    assert "You will get no more texts from us. Reply START to get them again." in reply
    assert opted_out(CALLER, jurisdiction=la) and opted_out(CALLER, jurisdiction=sf)
