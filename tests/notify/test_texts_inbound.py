"""The keywords of texts people send to the city's number, as the provider posts them to
/sms/inbound/ (reports by text: tests/channels)."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from twilio.request_validator import RequestValidator

from fixboard.notify.models import TextMessage, TextOptOut
from fixboard.notify.texts import opted_out, queue_text

pytestmark = pytest.mark.django_db

TOKEN = "inbound-test-token"
SITE = "https://fix.example.gov"
CALLER = "+13235551234"
CITY_NUMBER = "+13235550100"


@pytest.fixture(autouse=True)
def _provider_settings(settings, sms_outbox):
    settings.SMS_AUTH_TOKEN = TOKEN
    settings.SITE_URL = SITE


def text_in(client, body: str, *, sender: str = CALLER, token: str = TOKEN, signed=True):
    """Post what the provider posts when `sender` texts `body` to the city's number."""
    fields = {
        "MessageSid": "SM0123456789abcdef0123456789abcdef",
        "AccountSid": "AC0123456789abcdef0123456789abcdef",
        "From": sender,
        "To": CITY_NUMBER,
        "Body": body,
        "NumMedia": "0",
    }
    headers = {}
    if signed:
        signature = RequestValidator(token).compute_signature(f"{SITE}/sms/inbound/", fields)
        headers["X-Twilio-Signature"] = signature
    return client.post("/sms/inbound/", fields, headers=headers)


def reply_of(response) -> str:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    return response.content.decode()


def queue(phone: str = "(323) 555-1234") -> TextMessage:
    return queue_text(phone=phone, body="Report online: x", kind=TextMessage.Kind.REPORT_ONLINE)


@pytest.mark.parametrize("word", ["STOP", "stop", " Stop ", "STOP ALL", "unsubscribe", "Quit."])
def test_stop_opts_the_number_out_and_texts_are_refused_after(word):
    # The provider has no CSRF token: its signature stands in for one.
    reply = reply_of(text_in(Client(enforce_csrf_checks=True), word))
    assert "<Message>You will get no more texts from us. Reply START" in reply
    assert opted_out(CALLER, jurisdiction=None)
    assert TextOptOut.objects.get(phone=CALLER).source == TextOptOut.Source.STOP

    with pytest.raises(ValidationError, match=r"This number asked us to stop texting \(STOP\)"):
        queue()


def test_start_lets_texts_go_again(client, commit, sms_outbox):
    text_in(client, "STOP")
    reply = reply_of(text_in(client, "start"))
    assert "You will get our texts again. Reply STOP to stop them." in reply
    assert not opted_out(CALLER, jurisdiction=None)
    commit(queue)
    assert [m["to"] for m in sms_outbox()] == [CALLER]


def test_stop_cancels_a_text_waiting_for_its_retry(client):
    waiting = queue()  # not committed: no task has sent it
    text_in(client, "END")
    waiting.refresh_from_db()
    assert waiting.state == TextMessage.State.CANCELLED


def test_help_says_who_we_are_and_where_to_go(client):
    reply = reply_of(text_in(client, "help"))
    assert f"report a problem by texting it to this number, or online at {SITE}." in reply
    assert "Reply STATUS and a request number for its status, STOP to stop texts." in reply
    assert not opted_out(CALLER, jurisdiction=None)


def test_anything_else_to_a_number_of_no_city_gets_a_pointer_a_few_times(client, settings):
    # With a city, it starts a report by text (tests/channels); here no jurisdiction has one.
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "sms_message": {"phone": "2/h"}}
    first = reply_of(text_in(client, "There is a pothole on 4th street"))
    assert f"This number does not take reports. To report or track a problem, go to {SITE}" in (
        first
    )
    reply_of(text_in(client, "hello?"))
    third = reply_of(text_in(client, "Thanks!"))
    assert "<Message>" not in third, "no reply loop with an auto-responder"
    assert "<Response" in third
    assert "no more texts" in reply_of(text_in(client, "STOP")), "keywords always answered"


def test_an_unsigned_or_wrongly_signed_post_is_refused(client):
    unsigned = text_in(client, "STOP", signed=False)
    assert unsigned.status_code == 403
    assert "no valid X-Twilio-Signature" in unsigned.content.decode()
    forged = text_in(client, "STOP", token="someone-elses-token")
    assert forged.status_code == 403
    assert not opted_out(CALLER, jurisdiction=None)


def test_no_auth_token_refuses_every_post(client, settings):
    settings.SMS_AUTH_TOKEN = ""
    assert text_in(client, "STOP", token="").status_code == 403
    assert not opted_out(CALLER, jurisdiction=None)


def test_only_posts_are_taken(client):
    assert client.get("/sms/inbound/").status_code == 405


def test_a_flood_from_one_address_is_limited(client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "sms_inbound": {"address": "2/m"}}
    text_in(client, "HELP")
    text_in(client, "HELP")
    response = text_in(client, "HELP")
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1


def test_a_sender_that_is_no_phone_number_gets_no_reply(client):
    reply = reply_of(text_in(client, "STOP", sender="CityAlerts"))
    assert "<Message>" not in reply
    assert not TextOptOut.objects.exists()
