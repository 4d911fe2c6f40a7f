"""The configuration Open311 keeps per process: fresh enough, and never wrong about ids."""

import pytest

from fixboard.catalog.models import ServiceType
from tests.factories import submit_pothole

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


def test_a_service_type_made_private_here_hides_its_requests_at_once(client, city):
    request = submit_pothole(city)
    assert one(client, request.public_id)[0]["service_code"] == "pothole"
    city.pothole.public = False
    city.pothole.save()
    one(client, request.public_id, status=404)


def test_names_follow_a_rename_saved_here(client, city):
    request = submit_pothole(city)
    one(client, request.public_id)
    city.streets.name = "Street Services"
    city.streets.save()
    assert one(client, request.public_id)[0]["agency_responsible"] == "Street Services"


def test_an_imported_request_is_found_by_the_citys_own_id(client, city):
    request = submit_pothole(city, external_id="")
    type(request).objects.filter(pk=request.pk).update(source_id="1-2345678")
    assert one(client, "1-2345678")[0]["service_request_id"] == request.public_id
    one(client, "1-0000000", status=404)
