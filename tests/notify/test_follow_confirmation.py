"""Following by e-mail: a typed address follows only once its owner opens the e-mailed link."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core import signing
from django.utils import timezone

from fixboard.notify.models import Delivery, Unsubscribe
from fixboard.notify.tokens import FOLLOW_MAX_AGE
from fixboard.reports.actions import FOLLOW_LINKS_PER_DAY, ask_to_follow, transition
from fixboard.reports.models import Contact, Event, Follow
from tests.factories import UserFactory, submit_pothole

pytestmark = pytest.mark.django_db

NEIGHBOUR = "neighbour@example.org"


@pytest.fixture
def request_(city, commit):
    return commit(submit_pothole, city)


@pytest.fixture
def ask(client, commit, request_):
    """POST the request page's follow form as this browser, running on-commit work."""

    def post(email=NEIGHBOUR, **headers):
        return commit(
            client.post,
            request_.get_absolute_url() + "follow/",
            {"follow-email": email},
            follow=True,
            **headers,
        )

    return post


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_a_typed_address_follows_only_after_its_link_is_opened(client, mailbox, ask, request_):
    response = ask("Neighbour@Example.org")

    assert messages_of(response) == [
        "We sent a link to Neighbour@Example.org: open it to start following this request."
    ]
    request_.refresh_from_db()
    assert request_.follow_count == 0
    assert not Follow.objects.exists()
    asked = request_.events.get(kind=Event.Kind.FOLLOW_REQUESTED)
    assert asked.public is False and asked.actor_contact.email == NEIGHBOUR
    [mail] = mailbox.received
    assert mail.to == [NEIGHBOUR]
    assert mail.subject == f"Confirm that you want to follow {request_.public_id}"
    assert "works for 2 days" in mail.body

    # Opening the link (a mail scanner does too) only shows a button.
    link = mail.link_to("/notify/follow/confirm/")
    page = client.get(link)
    assert page.status_code == 200
    assert "Start following" in page.content.decode()
    assert not Follow.objects.exists()

    done = client.post(link, follow=True)

    assert done.redirect_chain[-1][0] == request_.get_absolute_url()
    assert messages_of(done) == ["You follow this request now: we will e-mail you when it changes."]
    request_.refresh_from_db()
    assert request_.follow_count == 1
    follow = Follow.objects.get(request=request_, active=True)
    assert follow.contact.email == NEIGHBOUR and follow.contact.email_verified
    assert request_.events.filter(kind=Event.Kind.FOLLOWED).count() == 1

    again = client.post(link, follow=True)
    assert messages_of(again) == ["This e-mail address already follows this request."]
    request_.refresh_from_db()
    assert request_.follow_count == 1


def test_asking_again_soon_sends_no_second_link(mailbox, ask, request_):
    ask()
    second = ask()

    assert messages_of(second) == [
        f"We sent a link to {NEIGHBOUR} a few minutes ago: open that one "
        "(look in the spam folder too)."
    ]
    assert len(mailbox.received) == 1
    assert request_.events.filter(kind=Event.Kind.FOLLOW_REQUESTED).count() == 1

    later = timezone.now() + timedelta(minutes=6)
    with mock.patch("django.utils.timezone.now", return_value=later):
        ask()
    assert len(mailbox.received) == 2


def test_too_many_links_a_day_are_refused_at_the_field(city, commit, mailbox, ask):
    others = [commit(submit_pothole, city) for _ in range(FOLLOW_LINKS_PER_DAY)]
    for other in others:
        commit(ask_to_follow, request=other, email=NEIGHBOUR)
    response = ask()

    assert response.status_code == 400
    assert "sent several links to this address today" in response.content.decode()
    assert len(mailbox.received) == FOLLOW_LINKS_PER_DAY


def test_an_expired_or_changed_link_follows_nothing(client, mailbox, ask, request_):
    ask()
    link = mailbox.received[0].link_to("/notify/follow/confirm/")

    changed = client.post(link.replace(":", ":x", 1))
    later = signing.time.time() + FOLLOW_MAX_AGE.total_seconds() + 60
    with mock.patch.object(signing.time, "time", return_value=later):
        expired = client.post(link)

    assert changed.status_code == 400 and "This link does not work" in changed.content.decode()
    assert expired.status_code == 410 and "This link has expired" in expired.content.decode()
    assert "Ask again on the request" in expired.content.decode()
    assert not Follow.objects.exists()


def test_a_signed_in_resident_follows_at_once(client, commit, mailbox, request_):
    user = UserFactory(email="ana@example.org")
    user.save()
    client.force_login(user)

    page = client.get(request_.get_absolute_url()).content.decode()
    assert "We will e-mail ana@example.org when this request changes." in page
    response = commit(client.post, request_.get_absolute_url() + "follow/", follow=True)

    assert messages_of(response) == ["You will get an e-mail when this request changes."]
    request_.refresh_from_db()
    assert request_.follow_count == 1
    assert Follow.objects.get(request=request_).user == user
    assert mailbox.received == []


def test_a_confirmed_follower_gets_status_mails_even_after_an_old_unsubscribe(
    client, commit, mailbox, ask, request_
):
    Unsubscribe.objects.create(email=NEIGHBOUR, request=request_)
    ask()
    client.post(mailbox.received[0].link_to("/notify/follow/confirm/"))
    mailbox.clear()

    commit(transition, request=request_, to_status="acknowledged", actor="crew")

    [mail] = mailbox.to(NEIGHBOUR)
    assert mail.subject == f"{request_.public_id} Pothole: acknowledged"


def test_no_link_to_an_address_that_unsubscribed_from_everything(mailbox, ask):
    Unsubscribe.objects.create(email=NEIGHBOUR)
    ask()
    assert mailbox.received == []
    assert not Delivery.objects.exists()


def test_the_link_comes_in_the_language_of_the_page(mailbox, ask, request_):
    response = ask(HTTP_ACCEPT_LANGUAGE="es")

    assert messages_of(response)[0].startswith(f"Le enviamos un enlace a {NEIGHBOUR}")
    [mail] = mailbox.received
    assert mail.subject == f"Confirme que quiere seguir el aviso {request_.public_id}"
    assert Contact.objects.get(email=NEIGHBOUR).email_verified is False
