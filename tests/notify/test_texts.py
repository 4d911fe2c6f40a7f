"""Texts to callers through the outbox and the file SMS backend, sent by the real task."""

from datetime import timedelta

import pytest
from django.core.checks import run_checks
from django.core.exceptions import ValidationError
from django.utils import timezone

from fixboard.core import outbox
from fixboard.notify import sms, text_tasks
from fixboard.notify.models import TextMessage, TextOptOut
from fixboard.notify.optouts import opt_in, opt_out
from fixboard.notify.texts import opted_out, queue_text
from tests.factories import submit_pothole

pytestmark = pytest.mark.django_db

LINK = "Report or track a problem online: https://fix.example.gov/r/"


def test_a_text_is_sent_once_with_the_number_in_e164(commit, sms_outbox, city):
    request = submit_pothole(city)
    text = commit(
        queue_text,
        phone="(323) 555-1234",
        body=f"Your request id is {request.public_id}.",
        kind=TextMessage.Kind.REQUEST_ID,
        request=request,
    )

    [sent] = sms_outbox()
    assert sent["to"] == "+13235551234"
    assert sent["from"] == "+13235550100"
    assert sent["body"] == f"Your request id is {request.public_id}."
    text.refresh_from_db()
    assert text.state == TextMessage.State.SENT
    assert text.provider_id == sent["id"]
    assert text.attempts == 1
    assert text.jurisdiction == city.jurisdiction
    assert text.sent_at is not None

    assert text_tasks.send_text.call(text.pk) == "skipped", "a second task sends nothing"
    assert len(sms_outbox()) == 1


def test_nothing_is_sent_before_the_commit(sms_outbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        queue_text(phone="323-555-1234", body=LINK, kind=TextMessage.Kind.REPORT_ONLINE)
    assert sms_outbox() == []
    assert len(callbacks) == 1


@pytest.mark.parametrize(
    "phone, message",
    [
        ("555-12", "“555-12” is not a phone number we can call"),
        ("call me", "“call me” is not a phone number we can call"),
        ("", "is not a phone number we can call"),
    ],
)
def test_an_invalid_number_is_refused_with_a_clear_message(sms_outbox, phone, message):
    with pytest.raises(ValidationError) as raised:
        queue_text(phone=phone, body=LINK, kind=TextMessage.Kind.REPORT_ONLINE)
    [said] = raised.value.message_dict["phone"]
    assert message in said
    assert not TextMessage.objects.exists()


def test_an_empty_or_long_text_is_refused(sms_outbox):
    with pytest.raises(ValidationError, match="The text is empty"):
        queue_text(phone="3235551234", body="  ", kind=TextMessage.Kind.ANSWER)
    with pytest.raises(ValidationError, match="613 characters long; a text may have at most 612"):
        queue_text(phone="3235551234", body="x" * 613, kind=TextMessage.Kind.ANSWER)
    assert not TextMessage.objects.exists()


def test_an_opted_out_number_is_refused_in_words_a_call_taker_can_read(commit, sms_outbox):
    opt_out(phone="+13235551234", source=TextOptOut.Source.STAFF)
    assert opted_out("+13235551234", jurisdiction=None)
    assert opted_out("(323) 555-1234", jurisdiction=None), "in any spelling"
    assert not opted_out("(323) 555-9999", jurisdiction=None)
    assert not opted_out("not a number", jurisdiction=None)

    with pytest.raises(ValidationError) as raised:
        queue_text(phone="323.555.1234", body=LINK, kind=TextMessage.Kind.REPORT_ONLINE)
    assert raised.value.message_dict["phone"] == [
        "This number asked us to stop texting (STOP): (323) 555-1234 gets no texts until its "
        "owner texts START to our number. Offer e-mail instead."
    ]

    opt_in(phone="+13235551234")
    commit(queue_text, phone="323.555.1234", body=LINK, kind=TextMessage.Kind.REPORT_ONLINE)
    assert [m["to"] for m in sms_outbox()] == ["+13235551234"]


def test_a_stop_after_queueing_cancels_the_waiting_text(sms_outbox):
    text = queue_text(phone="3235551234", body=LINK, kind=TextMessage.Kind.REPORT_ONLINE)
    opt_out(phone="+13235551234", source=TextOptOut.Source.STOP)
    assert text_tasks.send_text.call(text.pk) == "skipped"
    text.refresh_from_db()
    assert text.state == TextMessage.State.CANCELLED
    assert sms_outbox() == []


def test_a_number_gets_at_most_the_limit_of_texts(commit, sms_outbox, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "text": {"phone": "3/h"}}
    for _ in range(3):
        commit(queue_text, phone="3235551234", body=LINK, kind=TextMessage.Kind.REPORT_ONLINE)
    with pytest.raises(ValidationError) as raised:
        queue_text(phone="(323) 555-1234", body=LINK, kind=TextMessage.Kind.REPORT_ONLINE)
    [message] = raised.value.messages
    assert message.startswith("This number has had as many texts from us lately as we send.")
    assert message.endswith("minutes, or offer e-mail.")
    commit(queue_text, phone="3235559876", body=LINK, kind=TextMessage.Kind.REPORT_ONLINE)
    assert [m["to"] for m in sms_outbox()] == ["+13235551234"] * 3 + ["+13235559876"]


def test_a_text_a_dead_worker_was_sending_is_sent_once_by_the_reconcile(sms_outbox, settings):
    """The worker took the text (lease), wrote the file (the provider took it) and died
    before marking it sent: after the lease, the reconcile finds the text already went."""
    settings.TASK_LEASE_SECONDS = 60
    text = queue_text(phone="3235551234", body=LINK, kind=TextMessage.Kind.REPORT_ONLINE)
    assert outbox.claim(TextMessage, text.pk)
    TextMessage.objects.filter(pk=text.pk).update(attempt_started_at=timezone.now())
    sms.get_backend().send(to=text.phone, body=text.body)  # ... and the worker dies here

    assert text_tasks.reconcile_texts() == 0, "its lease still runs"
    long_ago = timezone.now() - timedelta(minutes=5)
    TextMessage.objects.filter(pk=text.pk).update(lease_until=long_ago, created_at=long_ago)
    assert text_tasks.reconcile_texts() == 1

    text.refresh_from_db()
    assert text.state == TextMessage.State.SENT
    [sent] = sms_outbox()
    assert text.provider_id == sent["id"]


def test_the_console_backend_prints_the_text(commit, settings, capsys):
    settings.SMS_BACKEND = "console"
    settings.SMS_FROM = "+13235550100"
    text = commit(queue_text, phone="3235551234", body=LINK, kind=TextMessage.Kind.REPORT_ONLINE)
    printed = capsys.readouterr().out
    assert f"From: +13235550100\nTo: +13235551234\n\n{LINK}\n" in printed
    text.refresh_from_db()
    assert text.state == TextMessage.State.SENT
    assert text.provider_id in printed


def test_checks_catch_a_backend_that_cannot_send(settings):
    def ids():
        return {m.id for m in run_checks() if m.id.startswith("fixboard.")}

    settings.SMS_BACKEND = "twilio"
    settings.SMS_ACCOUNT_SID = ""
    assert "fixboard.E102" in ids()
    settings.SMS_ACCOUNT_SID, settings.SMS_AUTH_TOKEN, settings.SMS_FROM = "AC1", "t", "+1323"
    assert "fixboard.E102" not in ids()
    settings.SMS_BACKEND = "fixboard.notify.sms.nowhere.Backend"
    assert "fixboard.E101" in ids()
    settings.SMS_BACKEND = "file"
    settings.SMS_TIMEOUT = settings.TASK_LEASE_SECONDS
    assert "fixboard.W103" in ids()
