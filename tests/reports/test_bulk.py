"""Bulk actions: each request through the same domain function, all or nothing per request,
and a report saying which failed and why."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fixboard.maps.models import MapPoint
from fixboard.reports import actions, changes, events
from fixboard.reports.bulk import MAX_REQUESTS, for_each
from fixboard.reports.models import CloseReason, Event, ServiceRequest, Status
from fixboard.reports.signals import event_recorded
from tests.factories import UserFactory, submit_pothole

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(city):
    return UserFactory(role="staff", jurisdictions=[city.jurisdiction], departments=[city.streets])


def test_bulk_close_with_a_mix_of_good_and_failing_requests(client, city, staff):
    good = [submit_pothole(city) for _ in range(3)]
    closed = submit_pothole(city)
    actions.transition(
        request=closed, to_status=Status.CLOSED, close_reason=CloseReason.CANCELLED, actor=staff
    )
    parks = submit_pothole(city)
    ServiceRequest.objects.filter(pk=parks.pk).update(department=city.parks)
    selection = ServiceRequest.objects.filter(pk__in=[r.pk for r in [*good, closed, parks]])

    report = for_each(
        selection.order_by("id"),
        actions.transition,
        to_status=Status.CLOSED,
        close_reason=CloseReason.FIXED,
        note="Fixed in the spring sweep.",
        actor=staff,
    )

    assert [item.request.pk for item in report.succeeded] == [r.pk for r in good]
    assert all(item.result.kind == Event.Kind.STATUS_CHANGED for item in report.succeeded)
    assert [(item.request.pk, item.error) for item in report.failed] == [
        (closed.pk, "The request is already closed."),
        (
            parks.pk,
            f"{parks.public_id} belongs to another department; ask its manager, or an "
            "administrator to grant you that department.",
        ),
    ]
    assert (report.total, report.ok, report.summary()) == (5, False, "3 changed, 2 not changed.")
    for request in good:
        request.refresh_from_db()
        assert (request.status, request.close_reason, request.status_notes) == (
            Status.CLOSED,
            CloseReason.FIXED,
            "Fixed in the spring sweep.",
        )
        assert (
            "Fixed in the spring sweep."
            in client.get(f"/requests/{request.public_id}/").content.decode()
        )
    assert ServiceRequest.objects.get(pk=parks.pk).status == Status.NEW
    assert ServiceRequest.objects.get(pk=closed.pk).close_reason == CloseReason.CANCELLED


def test_each_request_is_all_or_nothing(city, staff):
    first, second, third = (submit_pothole(city) for _ in range(3))

    def acknowledge_then_priority(*, request, actor):
        actions.transition(request=request, to_status=Status.ACKNOWLEDGED, actor=actor)
        if request.pk == second.pk:
            raise ValidationError({"priority": ["Not this one."]})
        if request.pk == third.pk:
            raise RuntimeError("a bug")
        return changes.set_priority(request=request, priority=2, actor=actor)

    report = for_each([first, second, third], acknowledge_then_priority, actor=staff)
    assert [i.request for i in report.succeeded] == [first]
    assert [(i.request, i.error) for i in report.failed] == [
        (second, "Not this one."),
        (third, "Something went wrong; the request was not changed. The error is logged."),
    ]
    statuses = dict(ServiceRequest.objects.values_list("pk", "status"))
    assert statuses == {
        first.pk: Status.ACKNOWLEDGED,
        second.pk: Status.NEW,  # its acknowledgement was rolled back with it
        third.pk: Status.NEW,
    }
    assert not Event.objects.filter(request__in=[second, third], kind="status_changed").exists()


def reads(context) -> list[str]:
    # The test runs in a transaction, so each request's own is a savepoint: not a read.
    return [q["sql"] for q in context.captured_queries if "SAVEPOINT" not in q["sql"]]


def test_requests_by_id_in_one_query(city, staff):
    requests = [submit_pothole(city) for _ in range(20)]
    ids = [r.pk for r in reversed(requests)] + [999_999]
    seen = []
    with CaptureQueriesContext(connection) as context:
        report = for_each(ids, lambda *, request: seen.append(request.pk))
    assert len(reads(context)) == 1
    assert seen == ids[:-1]
    assert [(i.request.pk, i.error) for i in report.failed] == [
        (999_999, "This request no longer exists.")
    ]
    with CaptureQueriesContext(connection) as context:
        for_each(ServiceRequest.objects.all(), lambda *, request: None)
    assert len(reads(context)) == 1


def test_other_domain_functions_in_bulk(city, staff):
    requests = [submit_pothole(city) for _ in range(3)]
    report = for_each(requests, actions.assign, department=city.parks, actor=staff)
    assert report.ok and report.summary() == "3 changed."
    # Now the parks department's: streets staff may no longer change them.
    report = for_each(requests, changes.set_priority, priority=1, actor=staff)
    assert len(report.failed) == 3 and "belongs to another department" in report.failed[0].error


def test_a_selection_too_big_is_refused(city, staff):
    with pytest.raises(ValidationError) as exc:
        for_each(range(1, MAX_REQUESTS + 2), lambda *, request: None)
    assert exc.value.message_dict == {"requests": ["Select at most 5000 requests at a time."]}


@pytest.mark.django_db(transaction=True)
def test_committed_changes_are_announced_once_each(city, mailoutbox):
    """Outside a test's transaction: each chunk commits, then its events are announced
    together — the map counts move and each follower hears of each close once."""
    staff = UserFactory(role="staff", jurisdictions=[city.jurisdiction], departments=[city.streets])
    requests = [submit_pothole(city, email=f"r{i}@example.org") for i in range(3)]
    for request in requests:
        actions.confirm_request(request=request, actor=None)
    parks = submit_pothole(city)
    ServiceRequest.objects.filter(pk=parks.pk).update(department=city.parks)
    mailoutbox.clear()
    assert MapPoint.objects.filter(is_open=True).count() == 4

    report = for_each(
        [*requests, parks],
        actions.transition,
        to_status=Status.CLOSED,
        close_reason=CloseReason.FIXED,
        note="Fixed.",
        actor=staff,
    )
    assert len(report.succeeded) == 3 and len(report.failed) == 1
    assert MapPoint.objects.filter(is_open=True).count() == 1
    assert sorted(m.to[0] for m in mailoutbox) == [f"r{i}@example.org" for i in range(3)]


@pytest.mark.django_db(transaction=True)
def test_a_listener_failing_at_the_database_spoils_no_other_announcement(city, caplog):
    staff = UserFactory(role="staff", jurisdictions=[city.jurisdiction], departments=[city.streets])
    requests = [submit_pothole(city) for _ in range(3)]
    broken = requests[1].pk

    def failing(sender, *, request_id, **kwargs):
        if request_id == broken:
            with connection.cursor() as cursor:
                cursor.execute("SELECT * FROM no_such_table")

    event_recorded.connect(failing, dispatch_uid="test.failing")
    try:
        report = for_each(
            requests,
            actions.transition,
            to_status=Status.CLOSED,
            close_reason=CloseReason.FIXED,
            actor=staff,
        )
    finally:
        event_recorded.disconnect(dispatch_uid="test.failing")
    assert report.ok  # the changes are committed whatever the listeners do
    assert ServiceRequest.objects.filter(status=Status.CLOSED).count() == 3
    # The other requests' map counts moved; the broken one is left to the reconcile.
    open_points = set(MapPoint.objects.filter(is_open=True).values_list("request_id", flat=True))
    assert open_points <= {broken}


@pytest.mark.django_db(transaction=True)
def test_work_put_off_to_the_batch_runs_once_and_a_failing_request_spoils_no_other(city, caplog):
    staff = UserFactory(role="staff", jurisdictions=[city.jurisdiction], departments=[city.streets])
    requests = [submit_pothole(city) for _ in range(3)]
    broken = requests[1].pk
    calls = []

    def work(request_ids):
        calls.append(request_ids)
        if broken in request_ids:
            raise RuntimeError("tally store unavailable")

    def listen(sender, *, request_id, **kwargs):
        if not events.once_per_batch(work, request_id):
            work([request_id])

    event_recorded.connect(listen, dispatch_uid="test.batched")
    try:
        report = for_each(requests, actions.transition, to_status=Status.ACKNOWLEDGED, actor=staff)
        assert report.ok
        ids = [r.pk for r in requests]
        # Once for the batch; when that fails, once for each, so only the broken one is left
        # to the worker's reconcile.
        assert calls == [ids, *([i] for i in ids)]
        assert f"failed on {broken}; the reconcile will" in caplog.text
        # Outside a bulk action there is no batch: the listener does its own work at once.
        calls.clear()
        actions.transition(request=requests[0], to_status=Status.IN_PROGRESS, actor=staff)
        assert calls == [[requests[0].pk]]
    finally:
        event_recorded.disconnect(dispatch_uid="test.batched")
