"""Twilio's Messages API, or any provider that speaks it (SMS_API_URL), over plain HTTPS.

The twilio library's Client is built for api.twilio.com; a plain client with the API's
shape works with every compatible provider and a local stand-in in tests (docs/decisions.md).
"""

import base64
import json
import logging
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse

from . import Backend as BaseBackend
from . import PermanentFailure, TemporaryFailure

logger = logging.getLogger(__name__)

# The provider's and our clocks may differ this much when matching a text it already took.
CLOCK_SLACK = timedelta(minutes=1)
# A message in these states was not and will not be delivered.
FAILED_STATES = ("failed", "undelivered", "canceled")


class Backend(BaseBackend):
    def __init__(self):
        api = settings.SMS_API_URL.rstrip("/")
        self.base = f"{api}/2010-04-01/Accounts/{settings.SMS_ACCOUNT_SID}"
        credentials = f"{settings.SMS_ACCOUNT_SID}:{settings.SMS_AUTH_TOKEN}".encode()
        self.authorization = "Basic " + base64.b64encode(credentials).decode()

    def send(self, *, to: str, body: str) -> str:
        fields = {"To": to, "Body": body, **_sender()}
        if settings.SMS_DELIVERY_STATUS:
            fields["StatusCallback"] = settings.SITE_URL + reverse("notify:sms-status")
        reply = self._call("POST", "/Messages.json", urlencode(fields).encode())
        if reply.get("status") in FAILED_STATES:
            raise PermanentFailure(
                reply.get("error_message") or f"the provider says {reply['status']}",
                code=reply.get("error_code"),
            )
        if not reply.get("sid"):
            raise TemporaryFailure("the provider's answer has no message id", uncertain=True)
        return reply["sid"]

    def find_sent(self, *, to: str, body: str, since: datetime) -> str | None:
        query = {"To": to, "PageSize": 50, **_sender(filter=True)}
        reply = self._call("GET", f"/Messages.json?{urlencode(query)}")
        for message in reply.get("messages") or []:  # newest first
            created = parsedate_to_datetime(message.get("date_created") or "")
            if created < since - CLOCK_SLACK:
                break
            if message.get("body") == body and message.get("status") not in FAILED_STATES:
                return message["sid"]
        return None

    def _call(self, method: str, path: str, data: bytes | None = None) -> dict:
        request = urllib.request.Request(
            self.base + path,
            data=data,
            method=method,
            headers={"Authorization": self.authorization, "Accept": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=settings.SMS_TIMEOUT) as response:
                return json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            raise _failure(exc.code, _json(exc)) from exc
        except urllib.error.URLError as exc:
            # Not connected (refused, unknown host, connect timeout): the text did not go.
            raise TemporaryFailure(f"cannot reach {settings.SMS_API_URL}: {exc.reason}") from exc
        except TimeoutError as exc:  # connected and asked, no answer: it may have gone
            raise TemporaryFailure(
                f"no answer from {settings.SMS_API_URL} in {settings.SMS_TIMEOUT} s",
                uncertain=True,
            ) from exc
        except (OSError, ValueError) as exc:  # cut off mid-answer, or not JSON
            raise TemporaryFailure(f"broken answer: {exc!r}", uncertain=True) from exc


def _sender(filter: bool = False) -> dict:
    # A Messaging Service (MG…) picks the sending number itself; it cannot filter the list.
    sender = settings.SMS_FROM
    if sender.startswith("MG"):
        return {} if filter else {"MessagingServiceSid": sender}
    return {"From": sender}


def _json(exc: urllib.error.HTTPError) -> dict:
    try:
        reply = json.loads(exc.read() or b"{}")
    except (OSError, ValueError):
        return {}
    return reply if isinstance(reply, dict) else {}


def _failure(status: int, reply: dict):
    message = reply.get("message") or f"HTTP {status}"
    code = reply.get("code")
    if status >= 500:
        return TemporaryFailure(message, code=code, uncertain=True)
    if status in (401, 403, 404, 408, 429):
        # Too many requests, or the account's settings are wrong: fixed, the text can go.
        if status != 429:
            logger.error("The SMS provider refused our account: %s (code %s)", message, code)
        return TemporaryFailure(message, code=code)
    return PermanentFailure(message, code=code)
