"""A department hears of each request routed to it, as it chose: an e-mail at once, an
hourly or daily digest, or nothing; once per request and department, through the outbox."""

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import formats, timezone

from fixboard.accounts.models import User
from fixboard.catalog import actions as catalog
from fixboard.catalog.models import Department
from fixboard.notify import departments, tasks
from fixboard.notify.models import Delivery, DepartmentNotice
from fixboard.reports.actions import assign, confirm_request
from fixboard.reports.models import Event
from tests.factories import UserFactory, submit_pothole

pytestmark = pytest.mark.django_db

STREETS = "streets@city.example"
PARKS = "parks@city.example"
LA = ZoneInfo("America/Los_Angeles")


def notice(city, department=None, mode="immediate", email=STREETS, hour=8):
    department = department or city.streets
    return catalog.save_department(
        actor="test",
        data={"notice": mode, "email": email, "notice_hour": hour},
        department=department,
    )


def member(city, department, *, subscribed: bool, **fields) -> User:
    user = UserFactory(
        role=fields.pop("role", User.Role.STAFF),
        jurisdictions=[city.jurisdiction],
        departments=[department],
        password=None,
        **fields,
    )
    if subscribed:
        departments.subscribe(user=user, department=department)
    return user


def test_immediate_notice_reaches_the_department_and_members_who_asked(mailbox, city, commit):
    notice(city)
    member(city, city.streets, subscribed=True, email="Dana@City.example")
    member(city, city.streets, subscribed=False, email="quiet@city.example")
    gone = member(city, city.streets, subscribed=True, email="moved@city.example")
    gone.departments.clear()  # moved to another department since

    request = commit(
        submit_pothole,
        city,
        email="ana.reyes@example.org",
        address="1200 W 7th St",
        description="Deep hole by the bus stop",
    )

    assert sorted(r for m in mailbox.received for r in m.to) == ["dana@city.example", STREETS]
    mail = mailbox.to(STREETS)[0]
    assert mail.subject == f"New request {request.public_id} for Streets: Pothole"
    assert mail.link_to("/queue/") == f"/queue/requests/{request.public_id}/"
    assert f"/queue/requests/{request.public_id}/" in mail.html
    for fact in ("1200 W 7th St", "Deep hole by the bus stop", "Pothole", "(web)"):
        assert fact in mail.body
    # When, as staff in the city read the time.
    reported = formats.date_format(timezone.localtime(request.requested_at, LA), "DATETIME_FORMAT")
    assert f"Reported: {reported} (web)" in mail.body
    # Staff e-mail carries no contact details: they are in the work view.
    for private in ("ana.reyes", "Ana Reyes"):
        assert private not in mail.body and private not in mail.html
    assert mail.header("Auto-Submitted") == "auto-generated"
    assert not mail.header("List-Unsubscribe")


def test_a_department_that_wants_no_email_gets_none(mailbox, city, commit):
    notice(city, mode="none")
    member(city, city.streets, subscribed=True)
    request = commit(submit_pothole, city)
    assert mailbox.received == []
    assert not DepartmentNotice.objects.filter(request=request).exists()


def test_a_request_awaiting_confirmation_is_told_once_confirmed(mailbox, city, commit):
    notice(city)
    request = commit(
        submit_pothole, city, email="ana.reyes@example.org", awaiting_confirmation=True
    )
    assert mailbox.to(STREETS) == []
    commit(confirm_request, request=request, actor="e-mail link")
    [mail] = mailbox.to(STREETS)
    assert request.public_id in mail.subject


def test_told_once_however_often_the_task_runs(mailbox, city, commit):
    notice(city)
    request = commit(submit_pothole, city)
    event = Event.objects.get(request=request, kind=Event.Kind.SUBMITTED)
    for _ in range(3):
        tasks.tell_department.call(event.pk)
    for delivery in Delivery.objects.all():
        tasks.deliver.call(delivery.pk)
    assert len(mailbox.to(STREETS)) == 1
    assert DepartmentNotice.objects.filter(request=request).count() == 1


@pytest.mark.database("postgresql")
@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_tell_the_department_once(mailbox, city):
    notice(city)
    request = submit_pothole(city)  # committed; its own after-commit work ran, immediate
    mailbox.clear()
    DepartmentNotice.objects.all().delete()
    Delivery.objects.all().delete()
    event = Event.objects.get(request=request, kind=Event.Kind.SUBMITTED)
    start = threading.Barrier(2)
    errors = []

    def worker():
        try:
            start.wait()
            tasks.tell_department.call(event.pk)
        except Exception as exc:  # pragma: no cover - shown by the assertion
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert DepartmentNotice.objects.filter(request=request).count() == 1
    assert len(mailbox.to(STREETS)) == 1


def test_rerouting_tells_the_new_department(mailbox, city, commit):
    notice(city)
    notice(city, city.parks, email=PARKS)
    staff = member(city, city.streets, subscribed=False)
    request = commit(submit_pothole, city)
    assert len(mailbox.to(STREETS)) == 1

    commit(assign, request=request, actor=staff, department=city.parks)

    [mail] = mailbox.to(PARKS)
    assert mail.subject == f"New request {request.public_id} for Parks: Pothole"
    assert len(mailbox.to(STREETS)) == 1
    # Assigning a person (no department) tells no department.
    parks_staff = member(city, city.parks, subscribed=False)
    request.refresh_from_db()
    commit(assign, request=request, actor=parks_staff, assignee=parks_staff)
    assert len(mailbox.received) == 2


def test_a_new_service_type_that_reroutes_tells_the_new_department(mailbox, city, commit):
    from fixboard.reports.changes import recategorise

    notice(city)
    notice(city, city.parks, email=PARKS)
    bulky = catalog.save_service_type(
        actor="test", data={"default_department": city.parks}, service_type=city.bulky
    )
    staff = member(city, city.streets, subscribed=False)
    request = commit(submit_pothole, city)
    commit(recategorise, request=request, service_type=bulky, actor=staff)
    [mail] = mailbox.to(PARKS)
    assert mail.subject == f"New request {request.public_id} for Parks: Bulky Items"


def test_hourly_digest_groups_the_new_requests(mailbox, city, commit):
    notice(city, mode="hourly")
    first = [commit(submit_pothole, city, address=f"{n} Main St") for n in (1, 2, 3)]
    assert mailbox.received == []

    call_command("send_digests")

    [mail] = mailbox.to(STREETS)
    assert mail.subject == "3 new requests for Streets"
    for request in first:
        assert f"/queue/requests/{request.public_id}/" in mail.body
    mailbox.clear()
    tasks.send_department_digests.call()
    assert mailbox.received == [], "nothing new: no digest"

    later = commit(submit_pothole, city)
    tasks.send_department_digests.call()
    [mail] = mailbox.to(STREETS)
    assert mail.subject == "1 new request for Streets"
    assert later.public_id in mail.body and first[0].public_id not in mail.body


def test_daily_digest_goes_at_its_hour_in_the_jurisdictions_time_zone(mailbox, city, commit):
    department = notice(city, mode="daily", hour=7)
    requests = [commit(submit_pothole, city) for _ in range(2)]
    made = datetime(2026, 12, 1, 10, 0, tzinfo=LA)
    DepartmentNotice.objects.update(created_at=made)

    before_seven = datetime(2026, 12, 2, 6, 30, tzinfo=LA)
    assert departments.queue_digest(department_id=department.pk, now=before_seven) == []
    after_seven = datetime(2026, 12, 2, 7, 5, tzinfo=LA)
    [delivery_id] = departments.queue_digest(department_id=department.pk, now=after_seven)
    tasks.deliver.call(delivery_id)

    [mail] = mailbox.to(STREETS)
    assert mail.subject == "2 new requests for Streets"
    assert all(r.public_id in mail.body for r in requests)
    assert departments.queue_digest(department_id=department.pk, now=after_seven) == []


def test_a_digest_lists_only_requests_still_the_departments(mailbox, city, commit):
    notice(city, mode="hourly")
    staff = member(city, city.streets, subscribed=False)
    kept, moved = commit(submit_pothole, city), commit(submit_pothole, city)
    commit(assign, request=moved, actor=staff, department=city.parks)
    tasks.send_department_digests.call()
    [mail] = mailbox.to(STREETS)
    assert kept.public_id in mail.body and moved.public_id not in mail.body


@pytest.mark.django_db(transaction=True)  # the worker closes connections, as in production
def test_the_hourly_schedule_runs_once_per_hour(settings, mailbox, city):
    from django_tasks_db.models import DBTaskResult

    notice(city, mode="hourly")
    submit_pothole(city)  # committed: its notice waits for the digest
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    tasks.scheduled_department_digests.call()
    tasks.scheduled_department_digests.call()  # a second chain in the same hour stops
    call_command("db_worker", batch=True, no_startup_delay=True, verbosity=0)
    assert len(mailbox.to(STREETS)) == 1
    [next_run] = DBTaskResult.objects.filter(task_path__endswith="scheduled_department_digests")
    assert next_run.run_after == tasks.next_hour(timezone.now())


def test_escalation_emails_the_departments_managers(mailbox, city, commit):
    from fixboard.reports.models import ServiceRequest
    from fixboard.reports.signals import sla_breached

    manager = member(city, city.streets, subscribed=False, role=User.Role.MANAGER)
    member(city, city.streets, subscribed=False, email="plain.staff@city.example")
    catalog.save_automation_rule(
        actor="test",
        data={
            "jurisdiction": city.jurisdiction,
            "name": "Escalate overdue",
            "trigger": "overdue",
            "escalate": True,
        },
    )
    request = commit(submit_pothole, city, email="ana.reyes@example.org")

    def breach():
        from django.db import transaction

        with transaction.atomic():
            sla_breached.send(sender=ServiceRequest, request=request, event=None)

    commit(breach)
    [mail] = mailbox.to(manager.email)
    assert mail.subject == f"Escalated: {request.public_id} Pothole"
    assert 'The automation rule "Escalate overdue" escalated' in mail.body
    assert f"/queue/requests/{request.public_id}/" in mail.body
    assert "ana.reyes" not in mail.body
    assert mailbox.to("plain.staff@city.example") == []


def test_reconcile_tells_the_departments_a_lost_task_did_not(settings, mailbox, city):
    settings.TASK_LEASE_SECONDS = 0
    notice(city)
    lost = submit_pothole(city)  # committed, its after-commit work never ran
    Event.objects.filter(request=lost).update(created_at=timezone.now() - timedelta(seconds=5))
    tasks._department_events_checked["until"] = None

    assert tasks.reconcile_department_notices() == 1
    [mail] = mailbox.to(STREETS)
    assert lost.public_id in mail.subject
    tasks._department_events_checked["until"] = None
    assert tasks.reconcile_department_notices() == 0


def test_only_members_may_ask_for_a_departments_notices(city):
    from django.core.exceptions import ValidationError

    outsider = member(city, city.parks, subscribed=False)
    with pytest.raises(ValidationError) as refused:
        departments.subscribe(user=outsider, department=city.streets)
    assert refused.value.message_dict["department"] == ["Only members of Streets get its notices."]
    insider = member(city, city.streets, subscribed=True)
    assert not departments.subscribe(user=insider, department=city.streets)
    assert departments.unsubscribe(user=insider, department=city.streets)
    assert departments.recipients(Department.objects.get(pk=city.streets.pk)) == []


def test_digest_cutoff_across_the_daylight_saving_change(city):
    department = notice(city, mode="daily", hour=7)
    department.jurisdiction.refresh_from_db()
    # 2026-11-01: Los Angeles falls back from PDT (UTC-7) to PST (UTC-8) at 02:00.
    utc = ZoneInfo("UTC")
    now = datetime(2026, 11, 1, 16, 0, tzinfo=utc)  # 08:00 PST
    cutoff = departments.digest_cutoff(department, now)
    assert cutoff.astimezone(utc) == datetime(2026, 11, 1, 15, 0, tzinfo=utc)  # 07:00 PST
    assert departments.digest_cutoff(department, now - timedelta(hours=2)).astimezone(
        LA
    ) == datetime(2026, 10, 31, 7, 0, tzinfo=LA)
