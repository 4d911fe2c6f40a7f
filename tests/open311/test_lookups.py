"""The configuration Open311 keeps per process: fresh enough, and never wrong about ids."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fixboard.catalog.models import ServiceType
from fixboard.reports.actions import add_update
from tests.factories import submit_pothole

from .conftest import PHOTOS
from .test_post import answer, post

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _as_deployed(settings):
    settings.CONFIGURATION_CACHE_SECONDS = 60


def one(client, request_id, status=200):
    response = client.get(f"/open311/v2/requests/{request_id}.json")
    assert response.status_code == status, response.content
    return response.json()


def test_a_service_type_made_by_another_process_is_found_at_once(client, city, api_key):
    answer(post(client, api_key))  # the catalog is now held
    # bulk_create sends no signal, as a save in another process would not reach this one.
    (litter,) = ServiceType.objects.bulk_create(
        [ServiceType(jurisdiction=city.jurisdiction, code="litter", name="Litter", public=True)]
    )
    posted = answer(post(client, api_key, service_code="litter", **{"attribute[depth]": None}))
    record = one(client, posted[0]["service_request_id"])[0]
    assert (record["service_code"], record["service_name"]) == ("litter", "Litter")


def test_a_service_type_made_private_here_hides_its_requests_at_once(
    client, city, django_capture_on_commit_callbacks
):
    request = submit_pothole(city)
    assert one(client, request.public_id)[0]["service_code"] == "pothole"
    city.pothole.public = False
    with django_capture_on_commit_callbacks(execute=True):  # once it commits
        city.pothole.save()
    one(client, request.public_id, status=404)


def test_names_follow_a_rename_saved_here(client, city, django_capture_on_commit_callbacks):
    request = submit_pothole(city)
    one(client, request.public_id)
    city.streets.name = "Street Services"
    with django_capture_on_commit_callbacks(execute=True):
        city.streets.save()
    assert one(client, request.public_id)[0]["agency_responsible"] == "Street Services"


def test_an_imported_request_is_found_by_the_citys_own_id(client, city):
    request = submit_pothole(city, external_id="")
    type(request).objects.filter(pk=request.pk).update(source_id="1-2345678")
    assert one(client, "1-2345678")[0]["service_request_id"] == request.public_id
    one(client, "1-0000000", status=404)


def photo_bytes() -> tuple[bytes, str]:
    photo = PHOTOS / "DSCN0010.jpg"
    return photo.read_bytes(), photo.name


def test_one_request_shows_its_first_visible_photo(client, city):
    request = submit_pothole(city, photos=[photo_bytes()])
    stored = request.photos.get()
    assert one(client, request.public_id)[0]["media_url"] == f"http://testserver{stored.image.url}"
    stored.hidden = True
    stored.save()
    assert one(client, request.public_id)[0]["media_url"] is None


def test_a_request_without_photos_is_one_query(client, city, settings):
    settings.AREA_INDEX_REFRESH_SECONDS = 60
    bare, pictured = submit_pothole(city), submit_pothole(city, photos=[photo_bytes()])
    one(client, bare.public_id)  # the catalog is held from here on
    with CaptureQueriesContext(connection) as queries:
        assert one(client, bare.public_id)[0]["media_url"] is None
    assert len(queries) == 1
    with CaptureQueriesContext(connection) as queries:
        assert one(client, pictured.public_id)[0]["media_url"]
    assert len(queries) == 2


def test_an_internal_note_with_a_photo_keeps_the_public_update_time(city):
    request = submit_pothole(city)
    add_update(request=request, text="Crew photo", actor=None, public=False, photo=photo_bytes())
    request.refresh_from_db()
    assert request.has_photos
    assert request.updated_at == request.requested_at
