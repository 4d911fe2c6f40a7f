"""Comments made without signing in are published once their author follows the e-mailed
link; until then only the commenter's browser shows them."""

import pytest
from django.test import Client

from fixboard.accounts.models import User
from fixboard.reports.models import Event
from tests.factories import UserFactory, submit_pothole

pytestmark = pytest.mark.django_db

REPORTER = "reporter@example.org"
COMMENTER = "neighbour@example.org"


@pytest.fixture
def request_(city, commit):
    return commit(submit_pothole, city, email=REPORTER)


def comment(client, commit, request_, text="Still there <b>today</b>", email=COMMENTER):
    return commit(
        client.post,
        request_.get_absolute_url() + "comment/",
        {"comment-text": text, "comment-email": email},
    )


def test_a_comment_waits_for_its_authors_link_and_only_their_browser_sees_it(
    client, city, mailbox, commit, request_
):
    mailbox.clear()
    response = comment(client, commit, request_)

    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "we sent a link to neighbour@example.org" in page
    assert "waiting for your confirmation" in page
    assert "Still there &lt;b&gt;today&lt;/b&gt;" in page
    stranger = Client().get(request_.get_absolute_url()).content.decode()
    assert "Still there" not in stranger
    [mail] = mailbox.received  # the link to the commenter; the reporter hears nothing yet
    assert mail.to == [COMMENTER]
    assert mail.subject == f"Confirm your comment on {request_.public_id}"
    assert "Still there <b>today</b>" in mail.body
    assert mail.html.count("&lt;b&gt;") == 1


def test_following_the_link_publishes_it_and_then_tells_the_reporter(
    client, city, mailbox, commit, request_
):
    mailbox.clear()
    comment(client, commit, request_)
    link = mailbox.received[0].link_to("/notify/comment/confirm/")
    mailbox.clear()
    other = Client(enforce_csrf_checks=True)

    opened = other.get(link)  # a mail scanner opening the link changes nothing
    assert opened.status_code == 200 and "Publish my comment" in opened.content.decode()
    assert "Still there" not in Client().get(request_.get_absolute_url()).content.decode()

    done = commit(Client().post, link, follow=True)

    assert "your comment is published" in done.content.decode()
    page = Client().get(request_.get_absolute_url()).content.decode()
    assert "Comment from a resident" in page and "Still there &lt;b&gt;today&lt;/b&gt;" in page
    assert COMMENTER not in page
    [told] = mailbox.received
    assert told.to == [REPORTER] and "new update" in told.subject
    kinds = list(request_.events.values_list("kind", flat=True))
    assert kinds.count(Event.Kind.COMMENT_CONFIRMED) == 1
    again = Client().post(link, follow=True)
    assert "already published" in again.content.decode()
    assert request_.events.filter(kind=Event.Kind.COMMENT_CONFIRMED).count() == 1


def test_a_pending_comment_is_in_no_public_output(client, city, mailbox, commit, request_):
    comment(client, commit, request_, text="Waiting comment")

    notes = client.get(
        f"/open311/v2/requests/{request_.public_id}.json", {"extensions": "true"}
    ).json()[0]["notes"]
    api = client.get(f"/api/v1/requests/{request_.public_id}/").content.decode()

    assert notes and all(n["description"] != "Waiting comment" for n in notes)
    assert "Waiting comment" not in api
    assert not Event.objects.public().filter(text="Waiting comment").exists()


def test_signed_in_residents_publish_at_once_without_typing_an_address(
    client, city, mailbox, commit, request_
):
    resident = UserFactory(role=User.Role.RESIDENT, email="signed.in@example.org")
    client.force_login(resident)
    page = client.get(request_.get_absolute_url()).content.decode()
    assert 'name="comment-email"' not in page
    mailbox.clear()

    response = commit(
        client.post, request_.get_absolute_url() + "comment/", {"comment-text": "Seen it too"}
    )

    assert response.status_code == 302
    assert "Seen it too" in Client().get(request_.get_absolute_url()).content.decode()
    assert [m.to for m in mailbox.received] == [[REPORTER]]


def test_spanish_link_page_and_message(client, city, mailbox, commit, request_):
    spanish = Client(headers={"accept-language": "es"})
    mailbox.clear()
    response = comment(spanish, commit, request_)
    page = spanish.get(response["Location"]).content.decode()
    assert "esperando su confirmación" in page
    link = mailbox.received[0].link_to("/notify/comment/confirm/")
    assert "Publicar mi comentario" in spanish.get(link).content.decode()
