"""GET /api/v1/requests/nearby: "is it one of these?" for apps, in two queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fixboard.places.spatial import invalidate_area_index
from tests.factories import INSIDE_WEST, submit_pothole

pytestmark = pytest.mark.django_db

URL = "/api/v1/requests/nearby"


def nearby(client, **params):
    query = {"service_code": "pothole", "lat": INSIDE_WEST[0], "long": INSIDE_WEST[1], **params}
    return client.get(URL, query)


def test_the_service_and_the_candidates_are_one_query_each(client, city, settings):
    settings.AREA_INDEX_REFRESH_SECONDS = 60  # as deployed: not checked at every call
    invalidate_area_index()  # another test's cities may be in it
    nearby(client)  # builds this process's index of areas
    with CaptureQueriesContext(connection) as queries:
        response = nearby(client)

    assert response.json() == {"items": []}
    # The city is found from the point in that index; no jurisdiction row is read.
    assert len(queries) == 2
    assert "places_jurisdiction" not in queries[0]["sql"]


def test_the_nearest_are_read_in_full_by_a_third(client, city):
    here = submit_pothole(city, at=INSIDE_WEST)

    with CaptureQueriesContext(connection) as queries:
        items = nearby(client, jurisdiction=city.jurisdiction.slug).json()["items"]

    assert [i["id"] for i in items] == [here.public_id]
    assert items[0]["distance_m"] == 0
    assert len(queries) == 3


def test_an_unknown_jurisdiction_or_service_is_a_422_on_that_field(client, city):
    unknown_city = nearby(client, jurisdiction="atlantis")
    unknown_service = nearby(client, jurisdiction=city.jurisdiction.slug, service_code="nope")

    assert unknown_city.status_code == unknown_service.status_code == 422
    assert list(unknown_city.json()["errors"]) == ["jurisdiction"]
    assert list(unknown_service.json()["errors"]) == ["service_code"]
