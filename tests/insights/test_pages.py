"""The figures on the city, area and request pages, through real HTTP."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fixboard.reports.actions import submit_request, transition
from fixboard.reports.models import CloseReason, Status
from tests.factories import INSIDE_EAST, ServiceTypeFactory, submit_pothole

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)


def text(response) -> str:
    assert response.status_code == 200
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


@pytest.fixture
def potholes(city, django_capture_on_commit_callbacks):
    """Three potholes in the West ward (one fixed in 4 days, one cancelled), one in the East."""
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        fixed = submit_pothole(city, requested_at=now - 4 * DAY - timedelta(hours=1))
        cancelled = submit_pothole(city)
        still_open = submit_pothole(city)
        submit_pothole(city, at=INSIDE_EAST)
        transition(
            request=fixed, to_status=Status.CLOSED, close_reason=CloseReason.FIXED, actor=None
        )
        transition(
            request=cancelled,
            to_status=Status.CLOSED,
            close_reason=CloseReason.CANCELLED,
            actor=None,
        )
    return still_open


def test_the_city_page_shows_its_figures(client, city, potholes):
    page = text(client.get(f"/{city.jurisdiction.slug}/"))
    assert "How fast problems get fixed" in page
    assert "1 of 4 problems reported have been fixed." in page
    assert "Half were fixed within 4 days." in page
    assert "2 are still open." in page
    assert "By kind of problem" in page and "By department" in page
    row = re.search(r"Pothole 1 of 4 (\d+) 4 days 4 days (\S+)", page)
    assert row and row.groups() == ("2", "0%"), "still open, and fixed past its 72-hour due time"
    assert re.search(r"Streets 1 of 4 2 4 days", page)


def test_the_area_page_shows_the_area_only(client, city, potholes):
    page = text(client.get(f"/{city.jurisdiction.slug}/areas/ward/1/"))
    assert "How fast problems get fixed here" in page
    assert "1 of 3 problems reported have been fixed." in page
    east = text(client.get(f"/{city.jurisdiction.slug}/areas/ward/2/"))
    assert "0 of 1 problem reported has been fixed." in east
    assert "1 is still open." in east


def test_the_request_page_says_how_its_kind_fares_nearby(client, city, potholes):
    page = text(client.get(potholes.get_absolute_url()))
    assert "Pothole in West Ward: 1 of 3 fixed, median 4 days." in page
    assert "Pothole across the city: 1 of 4 fixed, median 4 days." in page


def test_a_same_day_fix_reads_under_a_day_not_zero_days(
    client, city, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        fixed = submit_pothole(city)
        transition(
            request=fixed, to_status=Status.CLOSED, close_reason=CloseReason.FIXED, actor=None
        )
    page = text(client.get(f"/{city.jurisdiction.slug}/"))
    assert "Half were fixed within a day." in page
    assert re.search(r"Pothole 1 of 1 0 under a day under a day", page)
    assert not re.search(r"\b0 days", page)
    request = text(client.get(fixed.get_absolute_url()))
    assert "Pothole across the city: 1 of 1 fixed, median under a day." in request
    spanish = text(client.get(fixed.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="es"))
    assert "mediana de menos de un día" in spanish


def test_figures_are_in_spanish(client, city, potholes):
    page = text(client.get(f"/{city.jurisdiction.slug}/", HTTP_ACCEPT_LANGUAGE="es"))
    assert "Se han arreglado 1 de 4 problemas avisados." in page
    assert "La mitad se arregló en 4 días." in page
    request = text(client.get(potholes.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="es"))
    assert "Pothole en West Ward: 1 de 3 arreglados, mediana de 4 días." in request


def test_private_kinds_and_people_stay_out(client, city, django_capture_on_commit_callbacks):
    secret = ServiceTypeFactory(
        jurisdiction=city.jurisdiction, code="internal-audit", name="Internal audit", public=False
    )
    with django_capture_on_commit_callbacks(execute=True):
        submit_request(
            service_type=secret,
            lat=INSIDE_EAST[0],
            long=INSIDE_EAST[1],
            description="Staff only",
            actor=None,
        )
        submit_pothole(city, email="ana@example.org")
    page = text(client.get(f"/{city.jurisdiction.slug}/"))
    assert "Internal audit" not in page
    assert "0 of 1 problem reported has been fixed." in page
    assert "Ana Reyes" not in page and "ana@example.org" not in page


def test_the_city_page_reads_the_same_queries_whatever_the_requests(
    client, city, django_capture_on_commit_callbacks
):
    path = f"/{city.jurisdiction.slug}/"

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            client.get(path)
        return len(captured)

    with django_capture_on_commit_callbacks(execute=True):
        submit_pothole(city)
    few = queries()
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(30):
            submit_pothole(city, at=INSIDE_EAST if n % 2 else (34.05, -118.25))
    assert queries() == few
    with CaptureQueriesContext(connection) as captured:
        client.get(path)
    assert not any("reports_servicerequest" in q["sql"] for q in captured), "tallies only"
