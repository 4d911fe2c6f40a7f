"""The map page starts on open and lately fixed requests, and the list follows it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from fixboard.reports.actions import transition
from fixboard.reports.models import CloseReason, Status
from tests.factories import INSIDE_EAST, submit_pothole

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(city):
    now = timezone.now()
    opened = submit_pothole(city, description="Still open")
    fixed = submit_pothole(city, at=INSIDE_EAST, description="Fixed last week")
    old = submit_pothole(city, description="Fixed long ago", requested_at=now - timedelta(days=90))
    transition(request=fixed, to_status=Status.CLOSED, close_reason=CloseReason.FIXED, actor=None)
    transition(
        request=old,
        to_status=Status.CLOSED,
        close_reason=CloseReason.FIXED,
        actor=None,
        at=now - timedelta(days=45),
    )
    return opened, fixed, old


def test_the_map_says_what_it_shows_and_links_the_same_list(client, city, history):
    html = client.get(f"/{city.jurisdiction.slug}/").content.decode()

    assert '<option value="recent" selected>Open, and fixed in the last 30 days</option>' in html
    assert f'href="/{city.jurisdiction.slug}/list/?status=recent"' in html


def test_the_list_of_the_maps_default(client, city, history):
    html = client.get(f"/{city.jurisdiction.slug}/list/", {"status": "recent"}).content.decode()

    assert "Still open" in html and "Fixed last week" in html
    assert "Fixed long ago" not in html


def test_all_on_the_map_keeps_all(client, city, history):
    html = client.get(f"/{city.jurisdiction.slug}/", {"status": ""}).content.decode()

    assert '<option value="" selected>All</option>' in html
    assert f'href="/{city.jurisdiction.slug}/list/?status="' in html
