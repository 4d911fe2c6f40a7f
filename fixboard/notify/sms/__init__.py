"""The SMS gateway: one interface, backends chosen by SMS_BACKEND.

A backend sends one text and says what became of it: a provider's message id, or a
failure that is temporary (retried from the outbox) or permanent (the text is given up).
"""

from datetime import datetime

from django.conf import settings
from django.utils.module_loading import import_string

BACKENDS = {
    "console": "fixboard.notify.sms.console.Backend",
    "file": "fixboard.notify.sms.file.Backend",
    "twilio": "fixboard.notify.sms.twilio.Backend",
}


class SendFailed(Exception):
    """The provider did not take the text; `code` is its error code, when it gave one."""

    def __init__(self, message: str, *, code: int | None = None):
        self.code = code
        super().__init__(f"{message} (code {code})" if code else message)


class TemporaryFailure(SendFailed):
    """Worth trying again later. `uncertain`: the provider may have taken the text all the
    same (it did not answer in time, or answered with a server error)."""

    def __init__(self, message: str, *, code: int | None = None, uncertain: bool = False):
        self.uncertain = uncertain
        super().__init__(message, code=code)


class PermanentFailure(SendFailed):
    """Sending it again would fail the same way (an invalid or unsubscribed number)."""


class Backend:
    def send(self, *, to: str, body: str) -> str:
        """Send `body` to the E.164 number `to`; returns the provider's message id."""
        raise NotImplementedError

    def find_sent(self, *, to: str, body: str, since: datetime) -> str | None:
        """The id of this very text if the provider took it at or after `since`, else None
        (asked after an attempt whose outcome is unknown). A backend that cannot tell
        answers None, and the text is sent again."""
        return None


def get_backend() -> Backend:
    path = settings.SMS_BACKEND
    return import_string(BACKENDS.get(path, path))()
