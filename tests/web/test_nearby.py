"""The report form's "is it one of these?" fragment: the nearest open reports, cheaply."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import submit_pothole
from tests.plans import load_potholes, plans_of

pytestmark = pytest.mark.django_db

HERE = (34.05, -118.25)
ELSEWHERE = (34.08, -118.15)  # inside the city, north-east of HERE


def nearby(client, city, service="pothole", at=HERE):
    query = {"service": service, "lat": at[0], "long": at[1]}
    return client.get(f"/{city.jurisdiction.slug}/report/nearby/", query)


def test_the_five_nearest_open_reports_are_offered(client, city):
    # Seven within 150 m, 10 m apart northwards; one ~170 m away.
    close = [submit_pothole(city, at=(HERE[0] + n * 0.00009, HERE[1])) for n in range(7)]
    far = submit_pothole(city, at=(HERE[0] + 0.0012, HERE[1] + 0.0012))

    with CaptureQueriesContext(connection) as queries:
        response = nearby(client, city)

    html = response.content.decode()
    shown = [r.public_id for r in close + [far] if r.public_id in html]
    assert shown == [r.public_id for r in close[:5]]
    assert "0 m away" in html and "40 m away" in html
    # The service with its city, the candidates' positions, then five reports in full.
    assert len(queries) == 3


def test_an_unknown_service_has_no_duplicates_and_an_unknown_city_is_not_found(client, city):
    submit_pothole(city, at=HERE)

    assert b"Is it one of these?" not in nearby(client, city, service="graffiti").content
    assert client.get("/atlantis/report/nearby/", {"service": "pothole"}).status_code == 404


def test_the_candidates_are_a_range_of_the_index_of_open_requests(client, city):
    # A city's history: nearly every request closed, all of them on the position index; and
    # open work elsewhere in the city, which the department queues' indexes also hold.
    load_potholes(city, count=500, open_every=25, at=HERE)
    load_potholes(city, count=1000, open_every=1, at=ELSEWHERE, prefix="FAR")

    plans = plans_of(lambda: nearby(client, city))

    assert len(plans) == 3
    assert "sr_open_position" in plans[1], plans[1]
    html = nearby(client, city).content.decode()
    assert html.count('class="request-item"') == 5
