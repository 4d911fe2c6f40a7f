"""The question "Has this been fixed?": asked once per close as fixed, a few days after, to
the reporter and followers; yes is counted on the request page, no reopens the request."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from fixboard.notify import fixed_checks
from fixboard.notify.models import Delivery, FixedCheck
from fixboard.reports.actions import ContactDetails, follow, transition, upsert_contact
from fixboard.reports.models import CloseReason, Event, Status
from tests.factories import submit_pothole

pytestmark = pytest.mark.django_db

REPORTER = "reporter@example.org"
FOLLOWER = "follower@example.org"


@pytest.fixture
def closed(city, commit):
    """A request with a reporter and a follower, closed as fixed four days ago."""
    request = commit(submit_pothole, city, email=REPORTER)
    follower = upsert_contact(ContactDetails(email=FOLLOWER))
    commit(follow, request=request, actor=follower)
    commit(
        transition,
        request=request,
        to_status=Status.CLOSED,
        close_reason=CloseReason.FIXED,
        actor="crew",
        at=timezone.now() - timedelta(days=4),
    )
    request.refresh_from_db()
    return request


def ask(commit, now=None) -> int:
    return commit(fixed_checks.send_due, now)


def test_the_reporter_and_followers_are_asked_once_after_the_delay(city, mailbox, commit, closed):
    mailbox.clear()
    assert ask(commit, closed.closed_at + timedelta(days=2)) == 0  # too early

    assert ask(commit) == 2
    assert ask(commit) == 0  # once per close, whatever runs it again

    assert sorted(m.to[0] for m in mailbox.received) == [FOLLOWER, REPORTER]
    mail = mailbox.to(REPORTER)[0]
    assert mail.subject == f"Has this been fixed? {closed.public_id} Pothole"
    assert "/notify/fixed/yes/" in mail.body and "/notify/fixed/no/" in mail.body
    assert mail.header("List-Unsubscribe")
    assert FixedCheck.objects.get().recipients == 2


def test_yes_is_counted_on_the_request_page_once_per_person(city, mailbox, commit, closed):
    mailbox.clear()
    ask(commit)
    yes = {m.to[0]: m.link_to("/notify/fixed/yes/") for m in mailbox.received}
    page = Client().get(yes[REPORTER])  # a mail scanner opening it answers nothing
    assert page.status_code == 200 and "Yes, it is fixed" in page.content.decode()
    assert "confirmed it fixed" not in Client().get(closed.get_absolute_url()).content.decode()

    first = Client().post(yes[REPORTER], follow=True)
    again = Client().post(yes[REPORTER], follow=True)
    Client().post(yes[FOLLOWER])

    assert "your answer is counted" in first.content.decode()
    assert "We already have your answer" in again.content.decode()
    html = Client().get(closed.get_absolute_url()).content.decode()
    assert "2 residents confirmed it fixed" in html
    assert REPORTER not in html and FOLLOWER not in html
    closed.refresh_from_db()
    assert closed.status == Status.CLOSED
    assert closed.events.filter(kind=Event.Kind.FIX_CONFIRMED).count() == 2


def test_no_reopens_the_request_with_a_timeline_event(city, mailbox, commit, closed):
    mailbox.clear()
    ask(commit)
    no = mailbox.to(FOLLOWER)[0].link_to("/notify/fixed/no/")
    yes = mailbox.to(REPORTER)[0].link_to("/notify/fixed/yes/")
    mailbox.clear()

    answered = commit(Client().post, no, follow=True)

    assert "the request is open again" in answered.content.decode()
    closed.refresh_from_db()
    assert closed.status == Status.IN_PROGRESS
    reopened = closed.events.filter(kind=Event.Kind.STATUS_CHANGED).latest("created_at")
    assert reopened.from_status == Status.CLOSED and reopened.public
    assert reopened.actor_contact.email == FOLLOWER
    assert "a resident answered that it is not" in reopened.text
    assert mailbox.to(REPORTER), "the reporter hears it reopened"
    late = Client().post(yes, follow=True)  # the close asked about is gone
    assert "has changed since we asked" in late.content.decode()


def test_old_closes_and_a_zero_delay_ask_nobody(city, mailbox, commit, closed, settings):
    mailbox.clear()
    assert ask(commit, closed.closed_at + timedelta(days=10)) == 0
    settings.FIXED_CHECK_DAYS = 0
    assert ask(commit) == 0
    assert not mailbox.received and not Delivery.objects.filter(kind="fixed_check").exists()


def test_spanish_answer_page(city, mailbox, commit, closed):
    mailbox.clear()
    ask(commit)
    link = mailbox.to(REPORTER)[0].link_to("/notify/fixed/no/")
    page = Client(headers={"accept-language": "es"}).get(link).content.decode()
    assert "¿Se ha arreglado?" in page and "No, sigue ahí" in page


@pytest.mark.database("postgresql")
@pytest.mark.django_db(transaction=True)
def test_workers_running_the_job_at_once_ask_once(city, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    requests = [submit_pothole(city, email=f"r{i}@example.org") for i in range(5)]
    for request in requests:
        transition(
            request=request,
            to_status=Status.CLOSED,
            close_reason=CloseReason.FIXED,
            actor="crew",
            at=timezone.now() - timedelta(days=4),
        )
    start = threading.Barrier(4)
    queued = []

    def worker():
        start.wait()
        try:
            queued.append(fixed_checks.send_due())
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(queued) == 5
    assert FixedCheck.objects.count() == 5
    assert Delivery.objects.filter(kind="fixed_check").count() == 5
