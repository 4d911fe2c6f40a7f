"""Addresses on the report form: suggestions say the zip code once, and a report placed by
a tap, the browser's location or a photo is named after the known address nearest its pin."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from fixboard.places.addresses import record_addresses
from fixboard.reports.models import ServiceRequest
from tests.factories import INSIDE_EAST, INSIDE_WEST, make_city
from tests.web.test_report import post

pytestmark = pytest.mark.django_db


@pytest.fixture
def town(db):
    city = make_city()
    record_addresses(
        jurisdiction=city.jurisdiction,
        addresses=[
            ("2111 W Bellevue Ave, Los Angeles, CA 90026", "90026", *INSIDE_WEST),
            ("100 Main Street", "90012", *INSIDE_EAST),
        ],
    )
    return city


def test_suggestions_and_the_pins_address_say_the_zip_code_once(client, town):
    base = f"/{town.jurisdiction.slug}/addresses/"

    with_zip = client.get(base, {"q": "2111 w bellevue"}).json()[0]
    without = client.get(base, {"q": "100 main st"}).json()[0]
    nearest = client.get(f"{base}nearest/", {"lat": INSIDE_WEST[0], "long": INSIDE_WEST[1]})

    assert with_zip["label"] == "2111 W Bellevue Ave, Los Angeles, CA 90026"
    assert without["label"] == "100 Main Street 90012"
    assert nearest.json()["label"] == "2111 W Bellevue Ave, Los Angeles, CA 90026"


def test_a_tapped_report_without_an_address_gets_the_nearest_one(client, town):
    response = post(client, town, lat=INSIDE_EAST[0] + 0.0002, long=INSIDE_EAST[1])

    assert response.status_code == 302
    created = ServiceRequest.objects.get()
    assert (created.address, created.zipcode) == ("100 Main Street", "90012")
    page = client.get(created.get_absolute_url()).content.decode()
    assert "100 Main Street" in page


def test_a_typed_address_is_kept_as_typed(client, town):
    post(client, town, lat=INSIDE_EAST[0], long=INSIDE_EAST[1], address="Behind the library")

    assert ServiceRequest.objects.get().address == "Behind the library"


def test_no_known_address_near_leaves_it_empty(client, town):
    post(client, town, lat=INSIDE_WEST[0] + 0.01, long=INSIDE_WEST[1])

    assert ServiceRequest.objects.get().address == ""


def test_a_photo_located_report_gets_the_nearest_address(client, shared_data):
    from tests.web.test_browser import tuscan_town

    town, _pothole = tuscan_town()
    record_addresses(jurisdiction=town, addresses=[("Via Nazionale 12", "52044", 43.4672, 11.8846)])
    photo = (shared_data / "photos" / "DSCN0021.jpg").read_bytes()

    response = client.post(
        f"/{town.slug}/report/",
        {
            "service": "buca",
            "attribute[depth]": "deep",
            "photos": SimpleUploadedFile("DSCN0021.jpg", photo, "image/jpeg"),
        },
    )

    assert response.status_code == 302
    created = ServiceRequest.objects.get()
    assert (created.address, created.zipcode) == ("Via Nazionale 12", "52044")
