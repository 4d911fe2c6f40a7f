"""One definition of "public" (ServiceRequest.objects.public()), the same at every door."""

import io
import json

import pytest
from django.test import Client

from fixboard.reports.actions import submit_request
from fixboard.reports.exporting import export_requests
from fixboard.reports.models import ServiceRequest
from tests.factories import INSIDE_WEST, ServiceTypeFactory, submit_pothole
from tests.reports.test_photos import jpeg

pytestmark = pytest.mark.django_db

KINDS = ("public", "unconfirmed", "hidden", "private service type")


def make(city, kind: str) -> ServiceRequest:
    photo = [(jpeg(), "Jane-Doe-123-Elm-St.jpg")]
    if kind == "private service type":
        internal = ServiceTypeFactory(jurisdiction=city.jurisdiction, code="internal", public=False)
        request = submit_request(
            service_type=internal, lat=INSIDE_WEST[0], long=INSIDE_WEST[1], actor=None, photos=photo
        )
    else:
        request = submit_pothole(city, awaiting_confirmation=kind == "unconfirmed", photos=photo)
    if kind == "hidden":
        # As a moderator does in the admin.
        ServiceRequest.objects.filter(pk=request.pk).update(hidden=True)
        request.refresh_from_db()
    return request


def doors(city, request: ServiceRequest) -> dict[str, bool]:
    """For each door, whether it shows `request`."""
    slug, public_id, client = city.jurisdiction.slug, request.public_id, Client()

    def listed(url: str) -> bool:
        response = client.get(url)
        assert response.status_code == 200, url
        return public_id in response.content.decode()

    def found(url: str) -> bool:
        status = client.get(url).status_code
        assert status in (200, 404), url
        return status == 200

    def exported(format: str) -> bool:
        out = io.StringIO()
        export_requests(jurisdiction=city.jurisdiction, format=format, out=out)
        return public_id in out.getvalue()

    photo = request.photos.get()
    geojson = io.StringIO()
    export_requests(jurisdiction=city.jurisdiction, format="geojson", out=geojson)
    assert json.loads(geojson.getvalue())["type"] == "FeatureCollection"
    return {
        "page": found(f"/requests/{public_id}/"),
        "list page": listed(f"/{slug}/list/"),
        "feed": listed(f"/feeds/{slug}/"),
        "widget": listed(f"/widget/{slug}/frame/"),
        "Open311 list": listed(f"/open311/v2/requests.json?jurisdiction_id={slug}"),
        "Open311 one": found(f"/open311/v2/requests/{public_id}.json?jurisdiction_id={slug}"),
        "REST list": listed(f"/api/v1/requests?jurisdiction={slug}"),
        "REST one": found(f"/api/v1/requests/{public_id}"),
        "CSV": exported("csv"),
        "GeoJSON": exported("geojson"),
        "photo": found(photo.image.url),
    }


@pytest.mark.parametrize("kind", KINDS)
def test_every_door_shows_a_request_only_when_it_is_public(city, kind):
    request = make(city, kind)
    public = kind == "public"

    assert request.is_public is public
    assert ServiceRequest.objects.public().filter(pk=request.pk).exists() is public
    shown = doors(city, request)
    assert shown == dict.fromkeys(shown, public)
