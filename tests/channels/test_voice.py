"""The on-hold menu: signed posts to /voice/… as the provider sends them, TwiML back."""

from urllib.parse import urlsplit
from xml.etree import ElementTree

import pytest
from django.core.exceptions import ValidationError

from fixboard.audit.models import AuditEntry
from fixboard.catalog.actions import save_hold_message, save_phone_line
from fixboard.channels.models import Deflection
from fixboard.notify.models import TextMessage

from .conftest import RESIDENT, SITE, signed_post

pytestmark = pytest.mark.django_db
CALL = "CA0123456789abcdef0123456789abcdef"


def call_fields(**more) -> dict:
    return {
        "CallSid": CALL,
        "AccountSid": "AC0123456789abcdef0123456789abcdef",
        "From": RESIDENT,
        "To": "+13235550100",
        "CallStatus": "in-progress",
        "QueueSid": "QU0123456789abcdef0123456789abcdef",
        **more,
    }


def twiml(response) -> ElementTree.Element:
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/xml")
    return ElementTree.fromstring(response.content)


@pytest.fixture
def spanish_too(city):
    for language, digit, text in (
        ("en", 1, "Press 1 to get a text with a link to report online."),
        ("es", 2, "Para recibir un mensaje con un enlace para avisar en línea, oprima 2."),
    ):
        save_hold_message(
            actor="test",
            data={
                "jurisdiction": city.jurisdiction,
                "language": language,
                "digit": digit,
                "text": text,
                "order": digit,
            },
        )


def test_a_call_waits_in_the_queue_with_the_hold_menu(city, client):
    slug = city.jurisdiction.slug
    root = twiml(signed_post(client, f"/voice/{slug}/", call_fields()))
    enqueue = root.find("Enqueue")
    assert enqueue.text == slug
    assert enqueue.get("waitUrl") == f"{SITE}/voice/{slug}/hold/"


def test_the_hold_menu_offers_a_text_in_each_language(city, client, spanish_too):
    slug = city.jurisdiction.slug
    root = twiml(signed_post(client, f"/voice/{slug}/hold/", call_fields(QueuePosition="3")))
    gather = root.find("Gather")
    assert gather.get("numDigits") == "1"
    assert gather.get("action") == f"{SITE}/voice/{slug}/hold/key/"
    said = [(say.get("language"), say.text) for say in gather.findall("Say")]
    assert said == [
        ("en-US", "Press 1 to get a text with a link to report online."),
        ("es-MX", "Para recibir un mensaje con un enlace para avisar en línea, oprima 2."),
    ]


def test_without_a_message_of_its_own_the_city_gets_the_default_offer(city, client):
    root = twiml(signed_post(client, f"/voice/{city.jurisdiction.slug}/hold/", call_fields()))
    (say,) = root.find("Gather").findall("Say")
    assert "press 1 to get a text with a link" in say.text


def test_pressing_1_texts_a_link_that_fills_in_the_phone_and_counts_the_call(
    city, client, sms_outbox, django_capture_on_commit_callbacks
):
    path = f"/voice/{city.jurisdiction.slug}/hold/key/"
    with django_capture_on_commit_callbacks(execute=True):
        root = twiml(signed_post(client, path, call_fields(Digits="1")))
    assert root.find("Leave") is not None, "the call leaves the queue"
    assert "We have sent you a text" in root.find("Say").text

    (sent,) = sms_outbox()
    assert sent["to"] == RESIDENT
    assert "Testville 311: report your problem online here, no waiting:" in sent["body"]
    link = sent["body"].split()[-1]
    assert link.startswith(f"{SITE}/{city.jurisdiction.slug}/report/?caller=")
    assert "3235551234" not in link, "the number is signed, never in clear"

    form = client.get(urlsplit(link).path + "?" + urlsplit(link).query)
    assert form.status_code == 200
    assert 'value="(323) 555-1234"' in form.content.decode()

    deflection = Deflection.objects.get()
    assert (deflection.call_sid, deflection.phone, deflection.language) == (CALL, RESIDENT, "en")
    assert deflection.line == "+13235550100", "the city's number the caller dialled"
    assert deflection.text.kind == TextMessage.Kind.REPORT_ONLINE

    # The provider retries a post it got no answer to: still one text, one deflection.
    twiml(signed_post(client, path, call_fields(Digits="1")))
    assert Deflection.objects.count() == 1 and TextMessage.objects.count() == 1


def test_the_spanish_key_texts_in_spanish(city, client, spanish_too, sms_outbox):
    path = f"/voice/{city.jurisdiction.slug}/hold/key/"
    root = twiml(signed_post(client, path, call_fields(Digits="2")))
    say = root.find("Say")
    assert say.get("language") == "es-MX"
    assert say.text.startswith("Le enviamos un mensaje de texto")
    text = TextMessage.objects.get()
    assert text.body.startswith("311 de Testville: avise de su problema en línea aquí")
    assert Deflection.objects.get().language == "es"


def test_a_forged_or_old_link_fills_in_nothing(city, client):
    page = client.get(f"/{city.jurisdiction.slug}/report/?caller=%2B13235551234")
    assert page.status_code == 200
    assert "555-1234" not in page.content.decode()


def test_another_key_or_a_hidden_number_stays_on_hold(city, client):
    path = f"/voice/{city.jurisdiction.slug}/hold/key/"
    root = twiml(signed_post(client, path, call_fields(Digits="7")))
    assert root.find("Redirect").text == f"{SITE}/voice/{city.jurisdiction.slug}/hold/"
    hidden = twiml(signed_post(client, path, call_fields(Digits="1", From="anonymous")))
    assert "We cannot text the number you are calling from" in hidden.find("Say").text
    assert hidden.find("Leave") is None
    assert not Deflection.objects.exists() and not TextMessage.objects.exists()


def test_a_number_that_said_stop_is_not_texted_and_stays_on_hold(city, client):
    from fixboard.notify.optouts import opt_out

    opt_out(phone=RESIDENT, source="stop")
    path = f"/voice/{city.jurisdiction.slug}/hold/key/"
    root = twiml(signed_post(client, path, call_fields(Digits="1")))
    assert "We could not text this number" in root.find("Say").text
    assert root.find("Leave") is None
    assert not Deflection.objects.exists()


@pytest.mark.parametrize("page", ["", "hold/", "hold/key/"])
def test_unsigned_or_wrongly_signed_calls_are_refused(city, client, page):
    path = f"/voice/{city.jurisdiction.slug}/{page}"
    assert signed_post(client, path, call_fields(Digits="1"), signed=False).status_code == 403
    forged = signed_post(client, path, call_fields(Digits="1"), token="not-ours")
    assert forged.status_code == 403
    assert not Deflection.objects.exists()


def test_hold_messages_and_lines_are_configured_through_the_audited_domain(city):
    message = save_hold_message(
        actor="test",
        data={"jurisdiction": city.jurisdiction, "language": "en", "digit": 1, "text": "Press 1"},
    )
    line = save_phone_line(
        actor="test", data={"jurisdiction": city.jurisdiction, "number": "(323) 555-0100"}
    )
    assert line.number == "+13235550100"
    logged = AuditEntry.objects.filter(jurisdiction=city.jurisdiction)
    assert logged.count() >= 2
    with pytest.raises(ValidationError) as taken:
        save_hold_message(
            actor="test",
            data={"jurisdiction": city.jurisdiction, "language": "es", "digit": 1, "text": "x"},
        )
    assert "Key 1 already asks for another language." in taken.value.message_dict["digit"]
    with pytest.raises(ValidationError) as bad:
        save_phone_line(actor="test", data={"jurisdiction": city.jurisdiction, "number": "12"})
    assert "number" in bad.value.message_dict
    assert message.pk
