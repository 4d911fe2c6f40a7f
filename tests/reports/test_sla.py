"""SLA due times of requests, their states and the breaches on the timeline (fixed clocks)."""

import zoneinfo
from datetime import datetime, timedelta

import pytest
from django.core import mail
from django.utils.module_loading import import_string

from fixboard.accounts.models import User
from fixboard.catalog import actions as catalog
from fixboard.catalog.models import SlaUnit
from fixboard.notify.models import Delivery
from fixboard.reports import sla
from fixboard.reports.actions import transition
from fixboard.reports.models import Event, ServiceRequest, Status
from fixboard.reports.selectors import public_timeline
from fixboard.reports.signals import sla_breached
from tests.factories import INSIDE_WEST, UserFactory, submit_pothole
from tests.reports.test_import_helpers import SMALL_HEADER, run_import, small_mapping, write_csv

LA = zoneinfo.ZoneInfo("America/Los_Angeles")


def la(*args) -> datetime:
    return datetime(*args, tzinfo=LA)


def business_hours(city, hours=4):
    catalog.save_calendar(
        actor="test",
        data={"jurisdiction": city.jurisdiction, "country": "US", "subdivision": "CA"},
    )
    city.pothole = catalog.save_service_type(
        actor="test",
        data={"sla_value": hours, "sla_unit": SlaUnit.BUSINESS_HOURS},
        service_type=city.pothole,
    )


def test_a_submission_is_due_in_business_hours(city):
    business_hours(city)
    # Friday 4 pm: one hour on Friday, three on Monday.
    request = submit_pothole(city, requested_at=la(2026, 12, 4, 16))
    request.refresh_from_db()
    assert request.expected_at == la(2026, 12, 7, 11)
    # The one rule, as the re-categorisation calls it.
    assert sla.expected_at(city.pothole, request.requested_at) == request.expected_at


def test_without_a_calendar_business_hours_are_calendar_hours(city):
    city.pothole = catalog.save_service_type(
        actor="test",
        data={"sla_value": 4, "sla_unit": SlaUnit.BUSINESS_HOURS},
        service_type=city.pothole,
    )
    request = submit_pothole(city, requested_at=la(2026, 12, 4, 16))
    request.refresh_from_db()
    assert request.expected_at == la(2026, 12, 4, 20)


def test_without_a_target_there_is_no_due_time_and_no_state(city):
    city.pothole = catalog.save_service_type(
        actor="test", data={"sla_value": None}, service_type=city.pothole
    )
    request = submit_pothole(city, requested_at=la(2026, 12, 4, 16))
    assert request.expected_at is None
    assert sla.state(request, la(2027, 1, 1)) == sla.NONE


def test_an_import_uses_the_same_rule(city, tmp_path):
    business_hours(city)
    rows = [
        ["A-1", "Pothole", "12/04/2026 04:00:00 PM", "", "Open", *INSIDE_WEST, "", "Call"],
        ["A-2", "Pothole", "11/25/2026 03:00:00 PM", "", "Open", *INSIDE_WEST, "", "Call"],
    ]
    run_import(
        write_csv(tmp_path / "rows.csv", SMALL_HEADER, rows),
        city.jurisdiction,
        small_mapping(tmp_path),
    )
    for request in ServiceRequest.objects.all():
        assert request.expected_at == sla.expected_at(city.pothole, request.requested_at)
    assert ServiceRequest.objects.get(source_id="A-2").expected_at == la(2026, 11, 30, 10)


def test_states_and_the_queue_filters_agree(city, settings):
    settings.SLA_DUE_SOON_HOURS = 24
    now = la(2026, 12, 8, 12)
    made = la(2026, 12, 1, 9)
    cases = {
        "overdue": now - timedelta(minutes=1),
        "due_soon": now + timedelta(hours=23),
        "on_time": now + timedelta(hours=25),
        "no due time": None,
        "closed": now - timedelta(days=1),
    }
    requests = {}
    for name, expected in cases.items():
        request = submit_pothole(city, requested_at=made, description=name)
        ServiceRequest.objects.filter(pk=request.pk).update(expected_at=expected)
        if name == "closed":
            transition(request=request, to_status=Status.CLOSED, close_reason="fixed", actor="test")
        request.refresh_from_db()
        requests[name] = request
    assert {name: sla.state(r, now) for name, r in requests.items()} == {
        "overdue": "overdue",
        "due_soon": "due_soon",
        "on_time": "on_time",
        "no due time": "none",
        "closed": "none",
    }
    for state in sla.STATES:
        found = sla.filter_state(ServiceRequest.objects.all(), state, now)
        assert {r.description for r in found} == {
            name for name, r in requests.items() if sla.state(r, now) == state
        }
    with pytest.raises(ValueError):
        sla.filter_state(ServiceRequest.objects.all(), "late", now)


def test_breaches_are_recorded_once_by_any_number_of_workers(city):
    business_hours(city)
    request = submit_pothole(city, requested_at=la(2026, 12, 4, 16))
    due = la(2026, 12, 7, 11)
    heard = []

    def listener(sender, request, event, **kwargs):
        heard.append((request.pk, event.kind, event.public))

    sla_breached.connect(listener)
    try:
        # Before the due time: nothing to record.
        assert sla.record_breaches(now=due - timedelta(minutes=1)) == 0
        # Two workers run the job after it; the second finds nothing left.
        assert sla.record_breaches(now=due + timedelta(minutes=1)) == 1
        assert sla.record_breaches(now=due + timedelta(minutes=2)) == 0
        # A worker that read the candidate before the first one recorded it claims nothing.
        assert sla.record_breach(request.pk, due, due + timedelta(minutes=3)) is None
    finally:
        sla_breached.disconnect(listener)
    assert heard == [(request.pk, Event.Kind.SLA_BREACHED, False)]
    (event,) = Event.objects.filter(request=request, kind=Event.Kind.SLA_BREACHED)
    assert event.public is False
    assert datetime.fromisoformat(event.data["expected_at"]) == due
    assert event.actor_system == sla.SLA_ACTOR
    request.refresh_from_db()
    assert request.sla_breached_at == due
    # Internal: not on the public timeline.
    assert Event.Kind.SLA_BREACHED not in {e.kind for e in public_timeline(request)}


def test_a_new_due_time_may_be_breached_again_but_not_a_closed_request(city):
    business_hours(city)
    first = submit_pothole(city, requested_at=la(2026, 12, 4, 16))
    second = submit_pothole(city, requested_at=la(2026, 12, 4, 16))
    due = la(2026, 12, 7, 11)
    assert sla.record_breaches(now=due + timedelta(hours=1)) == 2
    # Re-categorised: a later due time, breached in turn.
    later = la(2026, 12, 9, 17)
    ServiceRequest.objects.filter(pk=first.pk).update(expected_at=later)
    assert sla.record_breaches(now=later - timedelta(hours=1)) == 0
    assert sla.record_breaches(now=later + timedelta(hours=1)) == 1
    assert Event.objects.filter(request=first, kind=Event.Kind.SLA_BREACHED).count() == 2
    # Closed requests are never overdue.
    transition(request=second, to_status=Status.CLOSED, close_reason="fixed", actor="test")
    ServiceRequest.objects.filter(pk=second.pk).update(expected_at=later)
    assert sla.record_breaches(now=later + timedelta(days=1)) == 0


def test_a_run_records_a_bounded_batch_oldest_first(city):
    business_hours(city)
    made = [submit_pothole(city, requested_at=la(2026, 12, 4, 9 + n)) for n in range(3)]
    now = la(2026, 12, 10)
    assert sla.record_breaches(now=now, limit=2) == 2
    assert set(
        Event.objects.filter(kind=Event.Kind.SLA_BREACHED).values_list("request", flat=True)
    ) == {made[0].pk, made[1].pk}
    assert sla.record_breaches(now=now, limit=2) == 1


def test_managers_of_the_department_are_told_through_the_outbox(
    city, settings, django_capture_on_commit_callbacks
):
    settings.SLA_BREACH_EMAILS = True
    business_hours(city)
    UserFactory(username="mona", role=User.Role.MANAGER, departments=[city.streets])
    UserFactory(username="parker", role=User.Role.MANAGER, departments=[city.parks])
    UserFactory(username="stan", role=User.Role.STAFF, departments=[city.streets])
    request = submit_pothole(city, requested_at=la(2026, 12, 4, 16))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert sla.record_breaches(now=la(2026, 12, 7, 12)) == 1
    (delivery,) = Delivery.objects.filter(kind=Delivery.Kind.SLA_BREACH)
    assert (delivery.email, delivery.state) == ("mona@example.org", Delivery.State.SENT)
    (message,) = mail.outbox
    assert message.to == ["mona@example.org"]
    assert message.subject == f"Overdue: {request.public_id} Pothole"
    assert "went past its SLA due time, Dec. 7, 2026, 11 a.m." in message.body
    assert "Streets" in message.body
    # The reporter and followers hear nothing of it.
    assert not Delivery.objects.exclude(kind=Delivery.Kind.SLA_BREACH).filter(
        event__kind=Event.Kind.SLA_BREACHED
    )


def test_no_manager_e_mail_when_switched_off(city, settings, django_capture_on_commit_callbacks):
    settings.SLA_BREACH_EMAILS = False
    business_hours(city)
    UserFactory(username="mona", role=User.Role.MANAGER, departments=[city.streets])
    submit_pothole(city, requested_at=la(2026, 12, 4, 16))
    with django_capture_on_commit_callbacks(execute=True):
        assert sla.record_breaches(now=la(2026, 12, 7, 12)) == 1
    assert not Delivery.objects.filter(kind=Delivery.Kind.SLA_BREACH).exists()


def test_every_worker_records_breaches_in_its_reconcile(settings):
    assert sla.record_breaches in [import_string(p) for p in settings.WORKER_RECONCILERS]
