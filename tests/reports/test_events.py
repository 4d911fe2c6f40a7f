"""After-commit work: a failing receiver of `event_recorded` costs nothing the user sees."""

import logging

import pytest
from django.db import transaction

from fixboard.maps.models import MapPoint
from fixboard.maps.tasks import reconcile_map_counts
from fixboard.reports.actions import transition
from fixboard.reports.signals import event_recorded
from tests.factories import submit_pothole
from tests.notify.conftest import mailbox  # noqa: F401  (a real SMTP server)

pytestmark = pytest.mark.django_db

REPORTER = "ana.reporter@example.org"


@pytest.fixture
def broken_recount(monkeypatch):
    def fail(request_id):
        raise RuntimeError("map store unavailable")

    monkeypatch.setattr("fixboard.maps.receivers.count_request", fail)


@pytest.fixture
def later_receiver():
    calls = []

    def listen(sender, *, kind, **kwargs):
        calls.append(kind)

    event_recorded.connect(listen, dispatch_uid="test.later_receiver")
    yield calls
    event_recorded.disconnect(dispatch_uid="test.later_receiver")


@pytest.mark.django_db(transaction=True)  # the request commits, then the receivers run
def test_a_failing_receiver_neither_fails_the_comment_nor_stops_the_others(
    client,
    city,
    mailbox,  # noqa: F811
    broken_recount,
    later_receiver,
    caplog,
):
    request = submit_pothole(city, email=REPORTER)
    later_receiver.clear()
    with caplog.at_level(logging.ERROR):
        response = client.post(
            request.get_absolute_url() + "comment/",
            {"comment-text": "Still there today", "comment-email": "c@example.org"},
        )
    assert response.status_code == 302  # the comment is taken, as the user is told
    assert "Still there today" in client.get(request.get_absolute_url()).content.decode()
    # notify ran: the commenter gets the link that publishes the comment
    assert [m.to for m in mailbox.received] == [["c@example.org"]]
    assert later_receiver == ["public_update"]  # and so did the receivers after maps
    [logged] = [r for r in caplog.records if r.exc_info]
    assert "recount_on_event" in logged.getMessage()
    assert "map store unavailable" in logged.exc_text  # with the traceback


def test_the_worker_reconcile_repairs_the_counts_a_failed_recount_left(
    city, broken_recount, django_capture_on_commit_callbacks
):
    request = submit_pothole(city)
    later = []
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        transition(request=request, to_status="closed", close_reason="fixed", actor="crew")
        transaction.on_commit(lambda: later.append("ran"))
    assert later == ["ran"]  # on-commit work after the failing one still runs
    assert MapPoint.objects.get(request=request).is_open  # the recount failed

    assert reconcile_map_counts() >= 1
    assert not MapPoint.objects.get(request=request).is_open
