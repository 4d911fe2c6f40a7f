"""Integrators receive a jurisdiction's public request events, signed, once each, retried
through the outbox until their endpoint takes them or they are given up."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from fixboard.core.models import Outbox
from fixboard.reports.actions import add_update, transition
from fixboard.reports.models import Status
from fixboard.webhooks.actions import queue_deliveries
from fixboard.webhooks.models import WebhookDelivery
from fixboard.webhooks.tasks import reconcile_webhook_deliveries
from tests.factories import INSIDE_EAST, UserFactory, make_city, submit_pothole

from .conftest import drain, subscribe
from .receiver import verify

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(city):
    return UserFactory(role="staff", jurisdictions=[city.jurisdiction], departments=[city.streets])


@pytest.fixture
def live(django_capture_on_commit_callbacks):
    """Run each change's after-commit work (the announcement, the send) as deployed."""

    def run(change, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return change(*args, **kwargs)

    return run


def test_created_status_and_update_events_are_each_delivered_once_signed(
    city, receiver, staff, live
):
    subscribe(city, receiver)
    request = live(submit_pothole, city, email="ana@example.com", description="Deep hole")
    live(transition, request=request, to_status=Status.IN_PROGRESS, actor=staff, note="Crew sent")
    live(add_update, request=request, text="Patched tonight", actor=staff)
    drain()
    assert [p["type"] for p in receiver.accepted] == ["created", "status_changed", "updated"]
    assert len(receiver.calls) == 3 and all(c["verified"] for c in receiver.calls)
    created, status, update = receiver.accepted
    assert created["request"]["id"] == request.public_id
    assert created["request"]["description"] == "Deep hole"
    assert created["request"]["url"].endswith(f"/requests/{request.public_id}/")
    assert status["event"]["from_status"] == "new"
    assert status["event"]["to_status"] == "in_progress"
    assert status["event"]["text"] == "Crew sent"
    assert status["request"]["status"] == "in_progress"
    assert update["event"]["text"] == "Patched tonight"
    call = receiver.calls[0]
    assert call["headers"]["Fixboard-Delivery"] == created["id"]
    assert call["headers"]["Fixboard-Event"] == "created"
    for call in receiver.calls:  # the resident's details never leave
        assert b"ana@example.com" not in call["body"] and b"Ana Reyes" not in call["body"]
    assert set(WebhookDelivery.objects.values_list("state", flat=True)) == {Outbox.State.SENT}


def test_a_signature_checked_with_another_secret_or_too_late_fails(city, receiver, live):
    subscribe(city, receiver)
    live(submit_pothole, city)
    drain()
    call = receiver.calls[0]
    header = call["headers"]["Fixboard-Signature"]
    signed_at = int(header.split(",")[0].removeprefix("t="))
    assert verify(receiver.secret, header, call["body"])
    assert not verify("whsec_wrong", header, call["body"])
    assert not verify(receiver.secret, header, call["body"] + b" ")
    assert not verify(receiver.secret, header, call["body"], now=signed_at + 301)


def test_internal_notes_are_never_delivered_and_an_internal_status_note_stays_out(
    city, receiver, staff, live
):
    subscribe(city, receiver)
    request = live(submit_pothole, city)
    live(
        add_update,
        request=request,
        text="Resident is rude; Bob's cell 555-0101",
        actor=staff,
        public=False,
    )
    live(
        transition,
        request=request,
        to_status=Status.ACKNOWLEDGED,
        actor=staff,
        note="Internal: budget code 77",
        public=False,
    )
    drain()
    assert [p["type"] for p in receiver.accepted] == ["created", "status_changed"]
    for call in receiver.calls:
        assert b"555-0101" not in call["body"] and b"budget code" not in call["body"]
    assert receiver.accepted[1]["event"]["text"] == ""


def test_filters_by_event_kind_service_type_and_area(city, receiver, staff, live):
    subscribe(
        city, receiver, kinds=["status_changed"], service_types=[city.pothole], areas=[city.east]
    )
    west = live(submit_pothole, city)
    east = live(submit_pothole, city, at=INSIDE_EAST)
    for request in (west, east):
        live(transition, request=request, to_status=Status.IN_PROGRESS, actor=staff)
    drain()
    assert [(p["type"], p["request"]["id"]) for p in receiver.accepted] == [
        ("status_changed", east.public_id)
    ]


def test_another_jurisdictions_and_inactive_subscriptions_get_nothing(city, receiver, live):
    other = make_city()
    subscribe(other, receiver)
    subscribe(city, receiver, active=False, name="Paused")
    live(submit_pothole, city)
    drain()
    assert receiver.calls == [] and not WebhookDelivery.objects.exists()


def test_a_500_then_success_is_delivered_once_after_a_retry(city, receiver, live):
    subscribe(city, receiver)
    receiver.statuses = [500]
    live(submit_pothole, city)
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == Outbox.State.PENDING and delivery.attempts == 1
    assert delivery.last_status == 500 and "HTTP 500" in delivery.last_error
    assert delivery.next_attempt_at is not None
    drain()
    delivery.refresh_from_db()
    assert delivery.state == Outbox.State.SENT and delivery.attempts == 2
    assert len(receiver.calls) == 2 and len(receiver.accepted) == 1
    first, second = (c["headers"]["Fixboard-Delivery"] for c in receiver.calls)
    assert first == second  # the same id on the retry: a receiver can drop a replay


def test_a_delivery_is_given_up_after_its_attempts_with_the_last_error(city, receiver, live):
    subscribe(city, receiver, max_attempts=3)
    receiver.statuses = [503, 502, 500, 200]
    live(submit_pothole, city)
    drain()
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == Outbox.State.FAILED and delivery.attempts == 3
    assert delivery.last_status == 500 and "HTTP 500" in delivery.last_error
    assert receiver.accepted == []


def test_an_unreachable_endpoint_is_retried_then_given_up(city, receiver, live):
    sub = subscribe(city, receiver, max_attempts=2)
    receiver.stop()
    live(submit_pothole, city)
    drain()
    delivery = WebhookDelivery.objects.get(subscription=sub)
    assert delivery.state == Outbox.State.FAILED and delivery.attempts == 2
    assert "ConnectionError" in delivery.last_error and delivery.last_status is None
    receiver.server.server_close = lambda: None  # already closed
    receiver.server.shutdown = lambda: None


def test_the_payload_is_valid_json_with_iso_times(city, receiver, live):
    subscribe(city, receiver)
    live(submit_pothole, city)
    drain()
    body = json.loads(receiver.calls[0]["body"])
    assert body["request"]["requested_at"].startswith("20")
    assert body["event"]["kind"] == "submitted"


def test_a_delivery_whose_task_was_never_queued_is_sent_by_the_reconcile(city, receiver):
    subscribe(city, receiver)
    request = submit_pothole(city)  # its after-commit work never runs: a worker died
    [delivery] = queue_deliveries(request.events.get(kind="submitted"))
    assert queue_deliveries(request.events.get(kind="submitted")) == []  # once per event
    assert reconcile_webhook_deliveries() == 0  # young: its task may still be on the way
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        created_at=timezone.now() - timedelta(hours=1)
    )
    assert reconcile_webhook_deliveries() == 1
    delivery.refresh_from_db()
    assert delivery.state == Outbox.State.SENT
    assert [p["request"]["id"] for p in receiver.accepted] == [request.public_id]
