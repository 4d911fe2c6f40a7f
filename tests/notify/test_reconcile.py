"""The worker's reconcile sends what was dropped: by a dead worker or a failed enqueue."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from fixboard.notify import tasks
from fixboard.notify.actions import queue_event_notifications
from fixboard.notify.models import Delivery
from fixboard.reports.actions import ContactDetails, follow, transition, upsert_contact
from tests.factories import submit_pothole

pytestmark = pytest.mark.django_db

REPORTER = "ana.reporter@example.org"
FOLLOWERS = ["a@example.org", "b@example.org", "c@example.org"]


@pytest.fixture(autouse=True)
def _fresh_pass(monkeypatch, settings):
    settings.TASK_LEASE_SECONDS = 60
    monkeypatch.setitem(tasks._events_checked, "until", None)


class QueueDown:
    def enqueue(self, *args):
        raise ConnectionError("queue unavailable")


def test_an_event_whose_enqueue_failed_is_emailed_by_the_reconcile_once(
    city, commit, mailbox, monkeypatch, settings
):
    request = commit(submit_pothole, city, email=REPORTER)
    with monkeypatch.context() as patch:
        patch.setattr(tasks, "task_for", lambda *args: QueueDown())
        commit(transition, request=request, to_status="acknowledged", actor="crew")
    assert mailbox.received == []  # committed, logged, not e-mailed

    assert tasks.reconcile_event_notifications() == 0  # not yet a lease old
    settings.TASK_LEASE_SECONDS = 0
    assert tasks.reconcile_event_notifications() == 1
    assert [m.to for m in mailbox.received] == [[REPORTER]]
    assert tasks.reconcile_event_notifications() == 0
    assert len(mailbox.received) == 1


def test_pending_emails_no_task_will_send_are_sent_and_others_left_alone(city, commit, mailbox):
    request = commit(submit_pothole, city)
    for email in FOLLOWERS:
        commit(follow, request=request, actor=upsert_contact(ContactDetails(email=email)))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tasks, "task_for", lambda *args: None)  # no task: a worker died
        event = commit(transition, request=request, to_status="acknowledged", actor="crew")
    queue_event_notifications(event_id=event.pk)
    long_ago = timezone.now() - timedelta(minutes=10)
    Delivery.objects.update(created_at=long_ago)
    dead, alive, queued = Delivery.objects.order_by("email")
    Delivery.objects.filter(pk=dead.pk).update(lease_until=long_ago)  # its worker died
    Delivery.objects.filter(pk=alive.pk).update(lease_until=timezone.now() + timedelta(minutes=1))
    DBTaskResult.objects.create(
        args_kwargs={"args": [queued.pk], "kwargs": {}},
        task_path=tasks.deliver.module_path,
        backend_name="default",
        run_after=timezone.now(),
    )

    assert tasks.reconcile_deliveries() == 1
    assert [m.to for m in mailbox.received] == [[dead.email]]
    assert Delivery.objects.get(pk=dead.pk).state == Delivery.State.SENT
