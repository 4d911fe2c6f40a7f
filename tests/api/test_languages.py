"""The REST API speaks the client's language: Accept-Language, or `?lang=` for clients that
cannot set headers; what has no translation comes in the default language."""

import pytest

from tests.factories import submit_pothole, translate_to_spanish

pytestmark = pytest.mark.django_db


@pytest.fixture
def spanish(city):
    translate_to_spanish(city)
    return city


def test_services_by_accept_language_and_lang(client, spanish):
    url = f"/api/v1/services?jurisdiction={spanish.jurisdiction.slug}"
    by_header = client.get(url, headers={"Accept-Language": "es"})
    by_param = client.get(f"{url}&lang=es")
    assert by_header.json() == by_param.json()
    assert by_param["Content-Language"] == "es"
    services = {s["code"]: s for s in by_param.json()}
    assert (services["pothole"]["name"], services["pothole"]["group"]) == ("Bache", "Calles")
    assert services["bulky-items"]["name"] == "Bulky Items"  # not translated
    depth = services["pothole"]["questions"][0]
    assert depth["question"] == "¿Qué profundidad tiene?"
    assert depth["values"] == [
        {"key": "shallow", "name": "Poco profundo"},
        {"key": "deep", "name": "Más de 5 cm"},
    ]
    english = {s["code"]: s["name"] for s in client.get(url).json()}
    assert english == {"pothole": "Pothole", "bulky-items": "Bulky Items"}


def test_requests_name_their_service_in_the_asked_language(client, spanish):
    request = submit_pothole(spanish)
    listed = client.get("/api/v1/requests?lang=es").json()
    names = {r["id"]: r["service_name"] for r in listed["items"]}
    assert names == {request.public_id: "Bache"}
    one = client.get(f"/api/v1/requests/{request.public_id}", headers={"Accept-Language": "es"})
    assert one.json()["service_name"] == "Bache"
    assert client.get(f"/api/v1/requests/{request.public_id}").json()["service_name"] == "Pothole"
