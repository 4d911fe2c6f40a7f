from datetime import timedelta

import pytest
from django.utils import timezone

from fixboard.notify.actions import queue_event_notifications
from fixboard.notify.models import Delivery
from fixboard.notify.tasks import deliver, retry_due_deliveries
from fixboard.reports.actions import (
    ContactDetails,
    add_update,
    follow,
    hide_comment,
    transition,
    upsert_contact,
)
from tests.factories import UserFactory, submit_pothole

pytestmark = pytest.mark.django_db

FOLLOWER = "maria.follower@example.org"
REPORTER = "ana.reporter@example.org"


@pytest.fixture
def agent(city):
    return UserFactory(
        role="staff",
        email="clerk@city.example.gov",
        jurisdictions=[city.jurisdiction],
        departments=[city.streets],
    )


@pytest.fixture
def followed(city, commit):
    request = commit(submit_pothole, city, email=REPORTER)
    follower = upsert_contact(ContactDetails(email=FOLLOWER))
    commit(follow, request=request, actor=follower)
    return request


def test_status_change_mails_reporter_and_follower_with_one_click_unsubscribe(
    client, mailbox, commit, followed, agent
):
    commit(transition, request=followed, to_status="acknowledged", actor=agent)

    assert sorted(m.to[0] for m in mailbox.received) == [REPORTER, FOLLOWER]
    mail = mailbox.to(FOLLOWER)[0]
    assert mail.subject == f"{followed.public_id} Pothole: acknowledged"
    assert f"http://testserver/requests/{followed.public_id}/" in mail.body
    unsubscribe = mail.header("List-Unsubscribe")
    assert unsubscribe.startswith("<http://testserver/notify/unsubscribe/")
    assert mail.header("List-Unsubscribe-Post") == "List-Unsubscribe=One-Click"
    assert unsubscribe.strip("<>") in mail.body
    assert f'href="http://testserver/requests/{followed.public_id}/"' in mail.html
    assert f'href="{unsubscribe.strip("<>")}"' in mail.html

    # The mail client's one-click POST (RFC 8058): no cookie, no CSRF token.
    path = unsubscribe.strip("<>").removeprefix("http://testserver")
    response = client.post(
        path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    assert "no more e-mails about" in response.content.decode()
    followed.refresh_from_db()
    assert followed.follow_count == 0

    mailbox.clear()
    commit(transition, request=followed, to_status="closed", close_reason="fixed", actor=agent)
    assert [m.to for m in mailbox.received] == [[REPORTER]]
    assert mailbox.received[0].subject.endswith(": fixed")


def test_unsubscribe_link_asks_before_stopping(client, mailbox, commit, followed, agent):
    commit(add_update, request=followed, text="Crew scheduled for Tuesday.", actor=agent)
    mail = mailbox.to(REPORTER)[0]
    assert "Crew scheduled for Tuesday." in mail.body
    assert "Crew scheduled for Tuesday." in mail.html
    assert mail.subject.endswith(": new update")

    path = mail.link_to("/notify/unsubscribe/")
    page = client.get(path)
    assert page.status_code == 200
    assert "Stop the e-mails" in page.content.decode()
    mailbox.clear()
    commit(add_update, request=followed, text="Still scheduled.", actor=agent)
    assert len(mailbox.to(REPORTER)) == 1, "opening the link alone must not unsubscribe"

    client.post(path)
    mailbox.clear()
    commit(add_update, request=followed, text="Done soon.", actor=agent)
    assert mailbox.to(REPORTER) == []
    assert len(mailbox.to(FOLLOWER)) == 1


def test_internal_notes_and_supporting_send_nothing(mailbox, commit, followed, agent):
    commit(add_update, request=followed, text="Call the contractor", actor=agent, public=False)
    commit(transition, request=followed, to_status="in_progress", actor=agent, public=False)
    assert mailbox.received == []


def test_tampered_unsubscribe_link_gives_a_clear_page(client, mailbox, commit, followed, agent):
    commit(transition, request=followed, to_status="acknowledged", actor=agent)
    path = mailbox.to(FOLLOWER)[0].link_to("/notify/unsubscribe/")
    response = client.post(path[:-6] + "xxxxx/")
    assert response.status_code == 400
    assert "This link does not work" in response.content.decode()


def test_a_refused_address_does_not_stop_the_others_and_is_retried(
    mailbox, commit, followed, agent
):
    mailbox.refuse.add(FOLLOWER)
    commit(transition, request=followed, to_status="acknowledged", actor=agent)

    assert [m.to for m in mailbox.received] == [[REPORTER]]
    failed = Delivery.objects.get(email=FOLLOWER)
    assert failed.state == Delivery.State.PENDING
    assert failed.attempts == 1
    assert "Mailbox unavailable" in failed.last_error
    assert failed.next_attempt_at > timezone.now()

    mailbox.refuse.clear()
    assert retry_due_deliveries() == 0, "not due yet"
    Delivery.objects.filter(pk=failed.pk).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )
    assert retry_due_deliveries() == 1
    assert [m.to for m in mailbox.received] == [[REPORTER], [FOLLOWER]]
    failed.refresh_from_db()
    assert failed.state == Delivery.State.SENT
    assert failed.attempts == 2


def test_a_delivery_is_given_up_after_the_last_retry(mailbox, commit, followed, agent):
    mailbox.refuse.add(FOLLOWER)
    commit(transition, request=followed, to_status="acknowledged", actor=agent)
    delivery = Delivery.objects.get(email=FOLLOWER)
    for _ in range(5):
        Delivery.objects.filter(pk=delivery.pk).update(
            next_attempt_at=timezone.now() - timedelta(seconds=1)
        )
        retry_due_deliveries()
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.FAILED
    assert delivery.attempts == 6
    assert mailbox.to(FOLLOWER) == []


def test_the_person_who_made_the_change_is_not_told(mailbox, commit, followed):
    reporter = followed.reporter
    commit(add_update, request=followed, text="It got bigger.", actor=reporter)
    assert [m.to for m in mailbox.received] == [[FOLLOWER]]


def test_update_text_is_escaped_in_the_html_part(mailbox, commit, followed, agent):
    commit(add_update, request=followed, text="<b>Patched</b> & swept", actor=agent)
    mail = mailbox.to(FOLLOWER)[0]
    assert "<b>Patched</b> & swept" in mail.body
    assert "&lt;b&gt;Patched&lt;/b&gt; &amp; swept" in mail.html
    assert "<b>Patched</b>" not in mail.html


def test_a_comment_hidden_before_its_e_mails_go_out_sends_none(mailbox, commit, followed):
    resident = upsert_contact(ContactDetails(email="troll@example.org"))
    comment = add_update(request=followed, text="Spam, spam, spam", actor=resident)
    pending = queue_event_notifications(event_id=comment.pk)
    assert len(pending) == 2
    hide_comment(
        comment=comment,
        actor=UserFactory(role="agent", jurisdictions=[followed.jurisdiction]),
        reason="Spam",
    )

    assert [deliver.call(pk) for pk in pending] == ["cancelled", "cancelled"]
    assert mailbox.received == []
    assert set(Delivery.objects.values_list("state", flat=True)) == {Delivery.State.CANCELLED}
    assert queue_event_notifications(event_id=comment.pk) == []
