"""A real SMTP server (aiosmtpd) on a free local port; Django sends to it over SMTP."""

import email
import email.policy
import re
import socket
from dataclasses import dataclass, field

import pytest
from aiosmtpd.controller import Controller
from django.utils import translation


@dataclass
class Received:
    to: list[str]
    message: email.message.EmailMessage

    @property
    def subject(self) -> str:
        return self.header("Subject")

    @property
    def body(self) -> str:
        return self.message.get_body(("plain",)).get_content()

    @property
    def html(self) -> str:
        return self.message.get_body(("html",)).get_content()

    def header(self, name: str) -> str:
        return " ".join(str(self.message[name] or "").split())

    def links(self) -> list[str]:
        return re.findall(r"https?://\S+", self.body)

    def link_to(self, fragment: str) -> str:
        """The path (without scheme and host) of the first link containing `fragment`."""
        for link in self.links():
            if fragment in link:
                return re.sub(r"^https?://[^/]+", "", link)
        raise AssertionError(f"no link with {fragment!r} in:\n{self.body}")


@dataclass
class Mailbox:
    received: list[Received] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.refuse:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.received.append(Received(list(envelope.rcpt_tos), message))
        return "250 Message accepted"

    def to(self, address: str) -> list[Received]:
        return [m for m in self.received if address in m.to]

    def clear(self) -> None:
        self.received.clear()


@pytest.fixture(autouse=True)
def _reset_language():
    # A request with Accept-Language: es leaves Spanish active in this thread afterwards.
    yield
    translation.deactivate()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def mailbox(settings):
    box = Mailbox()
    port = _free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 10
    settings.SITE_URL = "http://testserver"
    yield box
    controller.stop()


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run on-commit work (the event_recorded signal, hence the tasks) as a commit would."""

    def run(function, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(*args, **kwargs)

    return run
