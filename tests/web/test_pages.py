"""Server-rendered resident pages through the Django test client."""

import pytest
from django.urls import reverse

from fixboard.reports.actions import transition
from fixboard.reports.models import CloseReason, Status
from tests.factories import INSIDE_EAST, submit_pothole

pytestmark = pytest.mark.django_db


def test_home_lists_each_city_with_open_and_total_counts(
    client, city, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = submit_pothole(city)
        submit_pothole(city, at=INSIDE_EAST)
        transition(
            request=first, to_status=Status.CLOSED, close_reason=CloseReason.FIXED, actor=None
        )

    page = client.get("/")

    assert page.status_code == 200
    html = page.content.decode()
    assert "Testville" in html
    assert reverse("web:map", args=[city.jurisdiction.slug]) in html
    assert [c for c in page.context["cities"] if c[0] == city.jurisdiction][0][1] == {
        "open": 1,
        "total": 2,
    }


def test_map_and_list_pages_render_with_filters(client, city):
    submit_pothole(city, description="Deep hole by the school")
    slug = city.jurisdiction.slug

    assert client.get(f"/{slug}/").status_code == 200
    listing = client.get(f"/{slug}/list/", {"service": "pothole", "status": "open"})
    assert listing.status_code == 200
    assert "Deep hole by the school" in listing.content.decode()
    empty = client.get(f"/{slug}/list/", {"status": "closed"})
    assert "Deep hole by the school" not in empty.content.decode()


def test_request_page_shows_status_timeline_and_hides_the_reporter(client, city):
    request = submit_pothole(city, email="ana@example.org")

    page = client.get(f"/requests/{request.public_id}/")

    html = page.content.decode()
    assert page.status_code == 200
    assert "Pothole" in html and request.public_id in html
    assert "ana@example.org" not in html and "Ana Reyes" not in html


def test_tracking_finds_a_request_by_a_loosely_typed_id(client, city):
    request = submit_pothole(city)
    typed = request.public_id.replace("-", " ").lower()

    found = client.get("/track/", {"id": typed})
    missing = client.get("/track/", {"id": "ZZZZ-ZZZZ"})

    assert found.status_code == 302 and found["Location"] == request.get_absolute_url()
    assert missing.status_code == 200
    assert "No public request has the number ZZZZ-ZZZZ" in missing.content.decode()


def test_hot_pages_run_a_bounded_number_of_queries(
    client, city, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        requests = [submit_pothole(city) for _ in range(8)]
    slug = city.jurisdiction.slug
    viewport = {"south": 34, "west": -118.3, "north": 34.1, "east": -118.1, "zoom": 12}

    with django_assert_max_num_queries(10):  # labels of the answers and the figures included
        client.get(requests[0].get_absolute_url())
    with django_assert_max_num_queries(6):
        client.get(f"/{slug}/map.json", viewport)
    with django_assert_max_num_queries(8):
        client.get(f"/{slug}/report/")
    with django_assert_max_num_queries(8):
        client.get(f"/{slug}/list/")
