from unittest import mock

import pytest
from django.core import signing
from django.test import Client

from fixboard.notify.tokens import CONFIRM_MAX_AGE
from fixboard.reports.models import Event
from tests.factories import submit_pothole

pytestmark = pytest.mark.django_db

REPORTER = "new.resident@example.org"


@pytest.fixture
def pending(city, commit):
    return commit(submit_pothole, city, email=REPORTER, awaiting_confirmation=True)


def feed_of(client, city) -> str:
    return client.get(f"/feeds/{city.jurisdiction.slug}/").content.decode()


def test_confirmation_link_makes_the_request_live(client, mailbox, city, pending):
    [mail] = mailbox.received
    assert mail.to == [REPORTER]
    assert mail.subject == f"Confirm your report {pending.public_id}"
    assert pending.public_id not in feed_of(client, city)

    response = client.post(mail.link_to("/confirm/"))

    assert response.status_code == 200
    assert "your report is live" in response.content.decode()
    pending.refresh_from_db()
    assert pending.awaiting_confirmation is False
    assert pending.reporter.email_verified is True
    assert pending.events.filter(kind=Event.Kind.CONFIRMED).count() == 1
    assert pending.public_id in feed_of(client, city)

    again = client.post(mail.link_to("/confirm/"))
    assert "already confirmed" in again.content.decode()
    assert pending.events.filter(kind=Event.Kind.CONFIRMED).count() == 1


def test_opening_the_link_only_shows_a_button(client, mailbox, city, pending):
    """Mail scanners open every link of an e-mail: opening it must not publish the report."""
    csrf_client = Client(enforce_csrf_checks=True)
    path = mailbox.received[0].link_to("/confirm/")

    page = csrf_client.get(path)

    assert page.status_code == 200
    form = page.content.decode()
    assert 'method="post"' in form and "Confirm my report" in form
    pending.refresh_from_db()
    assert pending.awaiting_confirmation is True
    assert not pending.events.filter(kind=Event.Kind.CONFIRMED).exists()
    assert pending.public_id not in feed_of(client, city)
    assert csrf_client.post(path).status_code == 403, "the button's POST needs the CSRF token"
    token = csrf_client.cookies["csrftoken"].value
    assert csrf_client.post(path, {"csrfmiddlewaretoken": token}).status_code == 200
    pending.refresh_from_db()
    assert pending.awaiting_confirmation is False


def test_a_live_request_needs_no_confirmation(mailbox, city, commit):
    commit(submit_pothole, city, email=REPORTER)
    assert mailbox.received == []


def test_a_changed_link_gives_a_clear_page(client, mailbox, pending):
    path = mailbox.received[0].link_to("/confirm/")
    response = client.get(path.replace(":", ":x", 1))
    assert response.status_code == 400
    page = response.content.decode()
    assert "This link does not work" in page
    assert "copied all of it" in page
    pending.refresh_from_db()
    assert pending.awaiting_confirmation is True


def test_an_expired_link_says_so(client, mailbox, pending):
    path = mailbox.received[0].link_to("/confirm/")
    later = signing.time.time() + CONFIRM_MAX_AGE.total_seconds() + 60
    with mock.patch.object(signing.time, "time", return_value=later):
        response = client.get(path)
    assert response.status_code == 410
    assert "This link has expired" in response.content.decode()
    pending.refresh_from_db()
    assert pending.awaiting_confirmation is True
