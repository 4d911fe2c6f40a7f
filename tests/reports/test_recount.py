"""The worker's recount of the requests changed since its last pass (map cells, figures)."""

from datetime import timedelta

import pytest

from fixboard.reports.actions import add_update
from fixboard.reports.recount import MARGIN, recount_changed
from tests.factories import submit_pothole

pytestmark = pytest.mark.django_db


def note(request, *, at=None):
    add_update(request=request, text="Crew booked", actor="crew", at=at)


def test_a_first_pass_recounts_each_request_changed_in_the_last_day_once(city):
    changed, earlier = submit_pothole(city), submit_pothole(city)
    note(changed)
    note(changed)
    note(earlier, at=changed.requested_at - timedelta(days=2))
    submit_pothole(city)  # only submitted: counted in the submission's own transaction
    counted, last_pass = [], {"at": None}

    assert recount_changed(counted.append, last_pass) == 1
    assert counted == [changed.pk]
    assert last_pass["at"] is not None


def test_a_later_pass_looks_back_from_the_previous_one_by_the_margin(city):
    request = submit_pothole(city)
    counted, last_pass = [], {"at": None}
    assert recount_changed(counted.append, last_pass) == 0

    note(request, at=last_pass["at"] - MARGIN - timedelta(minutes=1))  # seen by that pass
    assert recount_changed(counted.append, last_pass) == 0

    note(request, at=last_pass["at"] - MARGIN + timedelta(minutes=1))  # committed late
    assert recount_changed(counted.append, last_pass) == 1
    assert counted == [request.pk]
