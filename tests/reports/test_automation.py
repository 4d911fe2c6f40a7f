"""Automation rules act by themselves on submitted and overdue requests, in order, once,
through the domain functions, each firing logged on the timeline for staff only."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import formats, timezone

from fixboard.accounts.models import User
from fixboard.catalog import actions as catalog
from fixboard.reports import automation, events
from fixboard.reports.actions import add_update, confirm_request
from fixboard.reports.models import (
    AutomationCheck,
    Channel,
    Event,
    RuleFiring,
    ServiceRequest,
    Status,
)
from fixboard.reports.signals import sla_breached
from fixboard.reports.tasks import reconcile_automation, run_automation
from tests.factories import INSIDE_EAST, INSIDE_WEST, UserFactory, make_city, submit_pothole

pytestmark = pytest.mark.django_db


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run on-commit work (the event_recorded signal, hence the tasks) as a commit would."""

    def run(function, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(*args, **kwargs)

    return run


def make_rule(city, name, **fields):
    """A rule; `message` (and `public`) make the canned response it uses."""
    if "message" in fields:
        fields["canned_response"] = catalog.save_canned_response(
            actor="test",
            data={
                "jurisdiction": city.jurisdiction,
                "title": f"{name}: message",
                "text": fields.pop("message"),
                "public": fields.pop("public", True),
            },
        )
    data = {"jurisdiction": city.jurisdiction, "name": name, "trigger": "submitted", **fields}
    return catalog.save_automation_rule(actor="test", data=data)


def fired(request: ServiceRequest) -> list[Event]:
    return list(Event.objects.filter(request=request, kind=Event.Kind.RULE_APPLIED))


def test_rules_are_tried_in_order_and_act_where_their_conditions_hold(city, commit):
    worker = UserFactory(role=User.Role.STAFF, jurisdictions=[city.jurisdiction], password=None)
    make_rule(city, "Phone calls are acknowledged", order=5, channel="phone", acknowledge=True,
              message="We got your call about {id}.")  # fmt: skip
    make_rule(city, "East potholes to Parks", order=10, service_type=city.pothole,
              area=city.east, assign_department=city.parks)  # fmt: skip
    make_rule(city, "Bulky items to a person", order=20, service_type=city.bulky,
              assign_person=worker)  # fmt: skip
    make_rule(city, "Then a person", order=30, area=city.east, assign_person=worker)

    east = commit(submit_pothole, city, at=INSIDE_EAST)
    west = commit(submit_pothole, city, at=INSIDE_WEST)

    east.refresh_from_db()
    assert (east.department, east.assignee, east.status) == (city.parks, worker, Status.NEW)
    applied = fired(east)
    assert [e.data["rule"] for e in applied] == ["East potholes to Parks", "Then a person"]
    first = applied[0]
    assert not first.public
    assert first.actor_system == "rule: East potholes to Parks"
    assert first.data["trigger"] == "submitted"
    assert first.data["actions"] == ["assigned to Parks"]
    [assigned, _person] = Event.objects.filter(request=east, kind=Event.Kind.ASSIGNED)
    assert assigned.actor_system == "rule: East potholes to Parks"
    assert assigned.data == {"department": "Parks"}
    # Its actions and its record were written together, in order.
    assert assigned.pk < first.pk

    west.refresh_from_db()
    assert (west.department, west.assignee) == (city.streets, None)
    assert fired(west) == []

    call = commit(submit_pothole, city, at=INSIDE_WEST, channel=Channel.PHONE)
    call.refresh_from_db()
    assert call.status == Status.ACKNOWLEDGED
    assert [e.data["rule"] for e in fired(call)] == ["Phone calls are acknowledged"]


def test_acknowledgement_renders_its_placeholders_for_the_public(client, city, commit):
    make_rule(
        city,
        "Acknowledge potholes",
        service_type=city.pothole,
        acknowledge=True,
        message="{id}: your {service} report is with {department}, due {expected_date}.",
    )
    request = commit(submit_pothole, city)
    request.refresh_from_db()
    assert request.status == Status.ACKNOWLEDGED
    local_due = timezone.localtime(request.expected_at, ZoneInfo("America/Los_Angeles"))
    expected = f"{request.public_id}: your Pothole report is with Streets, due "
    change = Event.objects.get(request=request, kind=Event.Kind.STATUS_CHANGED)
    assert change.text.startswith(expected)
    assert change.text.endswith(f"{formats.date_format(local_due, 'DATE_FORMAT')}.")
    assert change.public and change.actor_system == "rule: Acknowledge potholes"
    assert request.acknowledged_at is not None

    page = client.get(f"/requests/{request.public_id}/").content.decode()
    assert expected in page
    assert "rule_applied" not in page and "automation rule applied" not in page


def test_a_message_without_acknowledging_is_a_public_update(city, commit):
    make_rule(city, "Tell them", message="Crews check {address} weekly.")
    request = commit(submit_pothole, city, address="12 Elm St")
    update = Event.objects.get(request=request, kind=Event.Kind.PUBLIC_UPDATE)
    assert update.text == "Crews check 12 Elm St weekly."
    request.refresh_from_db()
    assert request.status == Status.NEW
    assert fired(request)[0].data["actions"] == ["posted “Tell them: message”"]


def test_an_internal_canned_response_is_a_note_for_staff(client, city, commit):
    make_rule(city, "Note the crew", message="Crew 4 covers {address}.", public=False)
    request = commit(submit_pothole, city, address="12 Elm St")
    note = Event.objects.get(request=request, kind=Event.Kind.INTERNAL_NOTE)
    assert note.text == "Crew 4 covers 12 Elm St." and not note.public
    assert "Crew 4" not in client.get(f"/requests/{request.public_id}/").content.decode()


def test_stop_after_a_rule_leaves_the_later_rules_untried(city, commit):
    make_rule(city, "East to Parks, and stop", order=1, area=city.east,
              assign_department=city.parks, stop=True)  # fmt: skip
    make_rule(city, "Everything acknowledged", order=2, acknowledge=True, message="Got it.")

    east = commit(submit_pothole, city, at=INSIDE_EAST)
    west = commit(submit_pothole, city, at=INSIDE_WEST)

    assert [e.data["rule"] for e in fired(east)] == ["East to Parks, and stop"]
    east.refresh_from_db()
    assert east.status == Status.NEW
    # Where the stopping rule does not match, it stops nothing.
    assert [e.data["rule"] for e in fired(west)] == ["Everything acknowledged"]


def test_inactive_rules_and_other_jurisdictions_rules_do_nothing(city, commit):
    other = make_city()
    make_rule(other, "Theirs", acknowledge=True, message="Hi")
    make_rule(city, "Switched off", active=False, acknowledge=True, message="Hi")
    request = commit(submit_pothole, city)
    assert fired(request) == []
    assert not AutomationCheck.objects.filter(request=request).exists()  # no task at all


def test_a_rule_fires_once_however_often_its_task_runs(city, commit):
    make_rule(city, "Acknowledge", acknowledge=True, message="Thanks, {id}.")
    make_rule(city, "Note", order=200, message="Seen.")
    request = commit(submit_pothole, city)
    assert len(fired(request)) == 2

    assert run_automation.call(request.pk, "submitted") == []
    # Even with its check gone (a task lost between firing and finishing):
    AutomationCheck.objects.all().delete()
    assert automation.apply_rules(request_id=request.pk, trigger="submitted") == []
    assert len(fired(request)) == 2
    assert Event.objects.filter(request=request, kind=Event.Kind.PUBLIC_UPDATE).count() == 1
    assert RuleFiring.objects.filter(request=request).count() == 2

    firing = RuleFiring.objects.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        RuleFiring.objects.create(
            rule=firing.rule,
            rule_name=firing.rule_name,
            rule_key=firing.rule_key,
            request=request,
            trigger="submitted",
            event=firing.event,
        )


def test_a_refused_action_skips_its_rule_only(city, commit, caplog):
    leaver = UserFactory(role=User.Role.STAFF, jurisdictions=[city.jurisdiction], password=None)
    make_rule(city, "To the leaver", order=1, assign_person=leaver, acknowledge=True,
              message="Ack.")  # fmt: skip
    make_rule(city, "Note", order=2, message="Seen.")
    assert len(automation.rules_for(city.jurisdiction.pk, "submitted")) == 2  # cached
    leaver.jurisdictions.clear()  # moved to another city since the rule was saved

    request = commit(submit_pothole, city)

    assert [e.data["rule"] for e in fired(request)] == ["Note"]
    request.refresh_from_db()
    assert (request.assignee, request.status) == (None, Status.NEW)  # all or nothing
    assert "could not act on" in caplog.text


def test_a_request_awaiting_confirmation_is_handled_once_confirmed(city, commit):
    make_rule(city, "Acknowledge", acknowledge=True, message="Thanks.")
    request = commit(
        submit_pothole, city, email="ana.reyes@example.org", awaiting_confirmation=True
    )
    assert fired(request) == []
    commit(confirm_request, request=request, actor="e-mail link")
    request.refresh_from_db()
    assert request.status == Status.ACKNOWLEDGED
    assert len(fired(request)) == 1


def breach(request: ServiceRequest) -> None:
    """What the SLA job does: the breach on the timeline and the signal, in one transaction."""
    with transaction.atomic():
        event = add_update(request=request, text="SLA breached", actor="sla", public=False)
        sla_breached.send(sender=ServiceRequest, request=request, event=event)


def test_overdue_rule_escalates_through_the_signal(city, commit):
    manager = UserFactory(
        role=User.Role.MANAGER,
        jurisdictions=[city.jurisdiction],
        departments=[city.streets],
        password=None,
    )
    make_rule(city, "Acknowledge", acknowledge=True, message="Thanks.")
    make_rule(city, "Escalate overdue potholes", trigger="overdue", service_type=city.pothole,
              escalate=True, priority_raise=2)  # fmt: skip
    request = commit(submit_pothole, city)
    assert [e.data["rule"] for e in fired(request)] == ["Acknowledge"]

    commit(breach, request)

    request.refresh_from_db()
    assert (request.assignee, request.priority) == (manager, 2)
    escalation = fired(request)[-1]
    assert escalation.data["rule"] == "Escalate overdue potholes"
    assert escalation.data["trigger"] == "overdue"
    assert escalation.data["escalated"] is True
    assert escalation.data["actions"] == [
        f"assigned to {manager.username}",
        "priority 0 → 2",
        "escalated to the department's managers",
    ]

    commit(breach, request)  # overdue again (reopened, re-categorised): once per trigger
    request.refresh_from_db()
    assert request.priority == 2
    assert len(fired(request)) == 2
    [change] = Event.objects.filter(request=request, kind=Event.Kind.PRIORITY_CHANGED)
    assert (change.data, change.public) == ({"from": 0, "to": 2}, False)
    assert change.actor_system == "rule: Escalate overdue potholes"


def test_a_breach_rolled_back_leaves_no_check(city, commit):
    make_rule(city, "Escalate", trigger="overdue", escalate=True)
    request = commit(submit_pothole, city)
    with pytest.raises(RuntimeError), transaction.atomic():
        sla_breached.send(sender=ServiceRequest, request=request, event=None)
        raise RuntimeError("the breach job failed")
    assert not AutomationCheck.objects.exists()


def test_reconcile_starts_the_rules_whose_task_was_lost(city, settings, commit):
    settings.TASK_LEASE_SECONDS = 0
    make_rule(city, "Acknowledge", acknowledge=True, message="Thanks.")
    make_rule(city, "Escalate", trigger="overdue", escalate=True, priority_raise=3)
    lost = submit_pothole(city)  # committed, but its after-commit work never ran
    overdue = commit(submit_pothole, city)
    with transaction.atomic():  # the breach committed, its task lost
        sla_breached.send(sender=ServiceRequest, request=overdue, event=None)
    assert fired(lost) == []
    assert AutomationCheck.objects.get(request=overdue, trigger="overdue").done_at is None

    Event.objects.filter(request=lost).update(created_at=timezone.now() - timedelta(seconds=5))
    AutomationCheck.objects.update(created_at=timezone.now() - timedelta(seconds=5))
    assert reconcile_automation() == 2

    lost.refresh_from_db()
    overdue.refresh_from_db()
    assert lost.status == Status.ACKNOWLEDGED
    assert overdue.priority == 3
    assert reconcile_automation() == 0


def test_no_query_is_added_to_a_submission_without_rules(city, settings):
    settings.CONFIGURATION_CACHE_SECONDS = 60
    other = make_city()
    make_rule(other, "Theirs", acknowledge=True, message="Hi")
    request = submit_pothole(city)
    event = Event.objects.select_related("request").get(request=request)
    events.announce(event)  # every receiver reads the configuration it needs once
    with CaptureQueriesContext(connection) as queries:
        events.announce(event)
    assert [q["sql"] for q in queries.captured_queries] == []


def test_what_rules_do_in_private_stays_private(city, settings, commit):
    from tests.work.test_internal_privacy import public_outputs

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    make_rule(city, "ZQX-rule-5521 acknowledge", acknowledge=True,
              message="Thanks, {id} is with {department}.")  # fmt: skip
    make_rule(city, "ZQX-rule-7730 note", message="ZQX-rule-note-6617", public=False)
    request = commit(submit_pothole, city, email="resident@example.org")
    assert len(fired(request)) == 2

    outputs = public_outputs(city, request)
    leaks = [
        f"{marker} in {door}"
        for door, text in outputs.items()
        for marker in ("ZQX-rule", "rule_applied", "automation rule")
        if marker in text
    ]
    assert not leaks, leaks
    # The scan read the public acknowledgement.
    assert f"Thanks, {request.public_id} is with Streets." in outputs["request page"]
