"""Events whose deliveries were never written (the process or the database failed between
the event's commit and its after-commit step) are delivered by the worker's reconcile,
exactly once, to the subscriptions that existed when they happened."""

import pytest

from fixboard.reports.actions import add_update, transition
from fixboard.reports.models import Status
from fixboard.webhooks import tasks
from fixboard.webhooks.actions import queue_deliveries
from fixboard.webhooks.models import WebhookDelivery
from fixboard.webhooks.tasks import reconcile_event_deliveries
from tests.factories import UserFactory, submit_pothole

from .conftest import drain, subscribe

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _first_pass(monkeypatch):
    """Each test starts as a worker's first pass does (a day back)."""
    monkeypatch.setitem(tasks._events_checked, "until", None)


@pytest.fixture
def staff(city):
    return UserFactory(role="staff", jurisdictions=[city.jurisdiction], departments=[city.streets])


@pytest.fixture
def reconcile(settings, django_capture_on_commit_callbacks):
    """One reconcile pass a lease after the events (they are long committed by then), with
    its after-commit sends run as a worker runs them."""

    def run() -> int:
        settings.TASK_LEASE_SECONDS = 0
        with django_capture_on_commit_callbacks(execute=True):
            return reconcile_event_deliveries()

    return run


def test_events_whose_after_commit_step_was_lost_are_delivered_once(
    city, receiver, staff, settings, reconcile, django_capture_on_commit_callbacks
):
    subscribe(city, receiver)
    # No after-commit step runs for these changes: nothing announces them.
    request = submit_pothole(city, description="Deep hole")
    transition(request=request, to_status=Status.IN_PROGRESS, actor=staff, note="Crew sent")
    add_update(request=request, text="Internal only", actor=staff, public=False)
    assert not WebhookDelivery.objects.exists()
    # Young events are left alone: their announcement may still be on its way.
    assert reconcile_event_deliveries() == 0

    assert reconcile() == 2
    assert [p["type"] for p in receiver.accepted] == ["created", "status_changed"]
    assert receiver.accepted[1]["event"]["text"] == "Crew sent"
    assert all(call["verified"] for call in receiver.calls)

    # Another worker's first pass, then the lost announcement arriving after all: nothing.
    tasks._events_checked["until"] = None
    assert reconcile() == 0
    with django_capture_on_commit_callbacks(execute=True):
        for event in request.events.all():
            assert queue_deliveries(event) == []
    drain()
    assert len(receiver.calls) == 2 and len(receiver.accepted) == 2
    assert WebhookDelivery.objects.count() == 2


def test_events_announced_as_usual_get_nothing_more(
    city, receiver, staff, reconcile, django_capture_on_commit_callbacks
):
    subscribe(city, receiver)
    with django_capture_on_commit_callbacks(execute=True):
        request = submit_pothole(city)
    with django_capture_on_commit_callbacks(execute=True):
        transition(request=request, to_status=Status.IN_PROGRESS, actor=staff)
    assert len(receiver.accepted) == 2
    assert reconcile() == 0
    assert len(receiver.calls) == 2


def test_a_subscription_made_after_an_event_does_not_get_it(city, receiver, staff, reconcile):
    request = submit_pothole(city)  # lost announcement, but nobody subscribed then
    subscribe(city, receiver)
    transition(request=request, to_status=Status.IN_PROGRESS, actor=staff)  # lost too
    assert reconcile() == 1
    assert [p["type"] for p in receiver.accepted] == ["status_changed"]


def test_inactive_subscriptions_and_unwanted_kinds_get_nothing(city, receiver, staff, reconcile):
    subscribe(city, receiver, kinds=["status_changed"])
    subscribe(city, receiver, name="Paused", active=False)
    submit_pothole(city)
    assert reconcile() == 0
    assert receiver.calls == [] and not WebhookDelivery.objects.exists()
