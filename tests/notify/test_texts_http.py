"""The Twilio-compatible HTTP backend against a local stand-in of the Messages API: what a
provider that answers, fails, refuses or hangs does to the outbox."""

import base64
import json
import threading
import uuid
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from twilio.request_validator import RequestValidator

from fixboard.notify import text_tasks
from fixboard.notify.models import TextMessage, TextOptOut
from fixboard.notify.texts import queue_text

pytestmark = pytest.mark.django_db

SID = "AC0123456789abcdef0123456789abcdef"
TOKEN = "test-auth-token"
FROM = "+13235550100"
BODY = "Your request id is 7KQ2-M9XD."
PATH = f"/2010-04-01/Accounts/{SID}/Messages.json"


class Provider(ThreadingHTTPServer):
    """Twilio's Messages API as far as Fixboard uses it: create a message, list messages.

    `answers` is what the next POSTs get, in turn ("ok" once it is empty): "ok", "500",
    "slow" (answers after `delay` s, having taken the message), "slow-lost" (answers late,
    having taken nothing), or an error code the API refuses a message with (21211, 21610).
    """

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.messages: list[dict] = []  # taken, oldest first
        self.posts = 0
        self.answers: list[str] = []
        self.delay = 1.0
        self.idle = threading.Event()
        self.idle.set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


REFUSALS = {
    21211: "The 'To' number {to} is not a valid phone number.",
    21610: "Attempt to send to unsubscribed recipient",
}


class Handler(BaseHTTPRequestHandler):
    server: Provider

    def log_message(self, *args):
        pass

    def _reply(self, status: int, payload: dict) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _authorized(self) -> bool:
        expected = "Basic " + base64.b64encode(f"{SID}:{TOKEN}".encode()).decode()
        if self.headers.get("Authorization") == expected:
            return True
        self._reply(401, {"code": 20003, "message": "Authenticate", "status": 401})
        return False

    def do_GET(self):
        url = urlparse(self.path)
        if url.path != PATH or not self._authorized():
            return
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        found = [
            m
            for m in reversed(self.server.messages)
            if m["to"] == query.get("To") and m["from"] == query.get("From", m["from"])
        ]
        self._reply(200, {"messages": found, "page": 0, "page_size": int(query["PageSize"])})

    def do_POST(self):
        if self.path != PATH or not self._authorized():
            return
        fields = {
            k: v[0]
            for k, v in parse_qs(
                self.rfile.read(int(self.headers["Content-Length"])).decode()
            ).items()
        }
        self.server.posts += 1
        answer = self.server.answers.pop(0) if self.server.answers else "ok"
        if answer == "500":
            return self._reply(500, {"code": 20500, "message": "Internal Server Error"})
        if answer.isdigit():
            code = int(answer)
            message = REFUSALS[code].format(to=fields["To"])
            return self._reply(400, {"code": code, "message": message, "status": 400})
        message = self._take(fields) if answer != "slow-lost" else {}
        if answer.startswith("slow"):
            self.server.idle.clear()
            threading.Event().wait(self.server.delay)
            self.server.idle.set()
        self._reply(201, message)

    def _take(self, fields: dict) -> dict:
        message = {
            "sid": "SM" + uuid.uuid4().hex,
            "account_sid": SID,
            "to": fields["To"],
            "from": fields.get("From", "+13235550199"),  # a Messaging Service picks one
            "messaging_service_sid": fields.get("MessagingServiceSid"),
            "body": fields["Body"],
            "status": "queued",
            "date_created": format_datetime(datetime.now(UTC)),
            "error_code": None,
            "error_message": None,
            "status_callback": fields.get("StatusCallback"),
        }
        self.server.messages.append(message)
        return message


@pytest.fixture
def provider(settings):
    server = Provider()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.SMS_BACKEND = "twilio"
    settings.SMS_API_URL = server.url
    settings.SMS_ACCOUNT_SID = SID
    settings.SMS_AUTH_TOKEN = TOKEN
    settings.SMS_FROM = FROM
    settings.SMS_TIMEOUT = 0.5
    yield server
    server.shutdown()
    server.server_close()


def _queue(commit, phone="(323) 555-1234") -> TextMessage:
    text = commit(queue_text, phone=phone, body=BODY, kind=TextMessage.Kind.REQUEST_ID)
    text.refresh_from_db()
    return text


def _retry_now(text: TextMessage) -> TextMessage:
    assert text.next_attempt_at > timezone.now(), "a retry waits its turn"
    TextMessage.objects.filter(pk=text.pk).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )
    assert text_tasks.retry_due_texts() == 1
    text.refresh_from_db()
    return text


def test_a_text_the_provider_takes_is_sent_with_its_sid(commit, provider):
    text = _queue(commit)
    [message] = provider.messages
    assert (message["to"], message["from"], message["body"]) == ("+13235551234", FROM, BODY)
    assert text.state == TextMessage.State.SENT
    assert text.provider_id == message["sid"]
    assert text.attempts == 1


def test_a_server_error_is_retried_until_the_provider_recovers(commit, provider):
    provider.answers = ["500", "500"]
    text = _queue(commit)
    assert text.state == TextMessage.State.PENDING
    assert "Internal Server Error (code 20500)" in text.last_error
    assert provider.messages == []

    text = _retry_now(text)
    assert (text.state, text.attempts) == (TextMessage.State.PENDING, 2)

    text = _retry_now(text)
    assert text.state == TextMessage.State.SENT
    assert text.attempts == 3
    assert [m["sid"] for m in provider.messages] == [text.provider_id]


def test_a_provider_that_hangs_past_the_timeout_loses_nothing_and_sends_once(commit, provider):
    """It took the text but answered too late: the retry asks before sending again."""
    provider.answers = ["slow"]
    text = _queue(commit)
    assert text.state == TextMessage.State.PENDING
    assert "no answer from" in text.last_error
    assert provider.idle.wait(5)

    text = _retry_now(text)
    assert text.state == TextMessage.State.SENT
    assert provider.posts == 1, "not sent again"
    assert [m["sid"] for m in provider.messages] == [text.provider_id]


def test_a_text_the_hanging_provider_did_not_take_is_sent_on_the_retry(commit, provider):
    provider.answers = ["slow-lost"]
    text = _queue(commit)
    assert text.state == TextMessage.State.PENDING
    assert provider.idle.wait(5)

    text = _retry_now(text)
    assert text.state == TextMessage.State.SENT
    assert provider.posts == 2
    assert [m["sid"] for m in provider.messages] == [text.provider_id]


def test_an_unreachable_provider_is_retried(commit, provider, settings):
    provider.shutdown()
    provider.server_close()
    text = _queue(commit)
    assert text.state == TextMessage.State.PENDING
    assert text.attempts == 1
    assert "cannot reach http://127.0.0.1:" in text.last_error
    assert text.attempt_started_at is None, "it certainly did not go"


def test_a_number_the_provider_calls_invalid_is_given_up_with_the_reason(commit, provider):
    provider.answers = ["21211"]
    text = _queue(commit)
    assert text.state == TextMessage.State.FAILED
    assert text.next_attempt_at is None
    assert text.last_error == (
        "The 'To' number +13235551234 is not a valid phone number. (code 21211)"
    )
    assert provider.messages == []


def test_an_unsubscribed_number_is_given_up_and_opted_out(commit, provider):
    provider.answers = ["21610"]
    text = _queue(commit)
    assert text.state == TextMessage.State.FAILED
    assert "unsubscribed recipient (code 21610)" in text.last_error
    assert TextOptOut.objects.get(phone="+13235551234").source == TextOptOut.Source.CARRIER

    with pytest.raises(ValidationError, match="This number asked us to stop texting"):
        queue_text(phone="323 555 1234", body=BODY, kind=TextMessage.Kind.REQUEST_ID)


def test_wrong_credentials_are_retried_not_given_up(commit, provider, settings):
    settings.SMS_AUTH_TOKEN = "wrong"
    text = _queue(commit)
    assert text.state == TextMessage.State.PENDING
    assert "Authenticate (code 20003)" in text.last_error

    settings.SMS_AUTH_TOKEN = TOKEN
    text = _retry_now(text)
    assert text.state == TextMessage.State.SENT


def test_the_provider_tells_what_became_of_a_text(client, commit, provider, settings):
    settings.SITE_URL = "http://testserver"
    text = _queue(commit)
    [message] = provider.messages
    assert message["status_callback"] == "http://testserver/sms/status/"

    def status(value: str, token: str = TOKEN, **extra):
        fields = {"MessageSid": message["sid"], "MessageStatus": value, **extra}
        signature = RequestValidator(token).compute_signature(message["status_callback"], fields)
        return client.post("/sms/status/", fields, headers={"X-Twilio-Signature": signature})

    assert status("sent").status_code == 204
    text.refresh_from_db()
    assert text.delivery_status == "sent"
    assert status("undelivered", ErrorCode="30003").status_code == 204
    assert status("sending").status_code == 204, "late: changes nothing"
    text.refresh_from_db()
    assert text.delivery_status == "undelivered"
    assert text.last_error == "undelivered (code 30003)"
    assert text.state == TextMessage.State.SENT, "the provider took it; nothing to retry"

    assert status("delivered", token="forged").status_code == 403
    text.refresh_from_db()
    assert text.delivery_status == "undelivered"


def test_a_messaging_service_picks_the_number(commit, provider, settings):
    settings.SMS_FROM = "MG0123456789abcdef0123456789abcdef"
    provider.answers = ["slow"]
    text = _queue(commit)
    assert provider.idle.wait(5)
    text = _retry_now(text)  # found again without a From to filter on
    [message] = provider.messages
    assert message["messaging_service_sid"] == settings.SMS_FROM
    assert (text.state, text.provider_id) == (TextMessage.State.SENT, message["sid"])
