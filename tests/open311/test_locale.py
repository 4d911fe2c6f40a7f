"""Open311 in the client's language: `locale` (GeoReport v2's POST parameter, accepted on
GETs too) or Accept-Language; a text not translated comes in the default language."""

import orjson
import pytest

from tests.factories import submit_pothole, translate_to_spanish

from .conftest import check_json, check_xml, xml_records

pytestmark = pytest.mark.django_db

BASE = "/open311/v2"


@pytest.fixture
def spanish(city):
    translate_to_spanish(city)
    return city


def services(client, fmt, **kwargs):
    return client.get(f"{BASE}/services.{fmt}", **kwargs)


def test_services_in_spanish_and_english_json(client, spanish):
    spanish_rows = orjson.loads(services(client, "json", data={"locale": "es"}).content)
    english_rows = orjson.loads(services(client, "json").content)
    check_json("services", spanish_rows)
    by_code = {s["service_code"]: s for s in spanish_rows}
    assert (by_code["pothole"]["service_name"], by_code["pothole"]["group"]) == ("Bache", "Calles")
    assert by_code["pothole"]["description"] == "Un hoyo en la calle"
    # Not translated: the default language's name, never an empty one.
    assert by_code["bulky-items"]["service_name"] == "Bulky Items"
    assert {s["service_code"]: s["service_name"] for s in english_rows} == {
        "pothole": "Pothole",
        "bulky-items": "Bulky Items",
    }


def test_services_xml_by_accept_language_and_locale(client, spanish):
    tree = check_xml(
        services(client, "xml", headers={"Accept-Language": "es-MX,es;q=0.9"}).content,
        "services",
        "service",
    )
    names = {r["service_code"]: r["service_name"] for r in xml_records(tree)}
    assert names == {"pothole": "Bache", "bulky-items": "Bulky Items"}
    # `locale` wins over the header, in the spec's form (es_US) too.
    tree = check_xml(
        services(
            client, "xml", data={"locale": "en_US"}, headers={"Accept-Language": "es"}
        ).content,
        "services",
        "service",
    )
    assert {r["service_name"] for r in xml_records(tree)} == {"Pothole", "Bulky Items"}
    tree = check_xml(
        services(client, "xml", data={"locale": "es_US"}).content, "services", "service"
    )
    assert "Bache" in {r["service_name"] for r in xml_records(tree)}


def test_an_unknown_locale_answers_in_the_default_language(client, spanish):
    rows = orjson.loads(services(client, "json", data={"locale": "tlh"}).content)
    assert {s["service_name"] for s in rows} == {"Pothole", "Bulky Items"}


def test_service_definition_questions_and_answers_in_spanish(client, spanish):
    url = f"{BASE}/services/pothole"
    data = orjson.loads(client.get(f"{url}.json", {"locale": "es"}).content)
    check_json("service_definition", data)
    (depth,) = data["attributes"]
    assert depth["description"] == "¿Qué profundidad tiene?"
    assert depth["values"] == [
        {"key": "shallow", "name": "Poco profundo"},
        {"key": "deep", "name": "Más de 5 cm"},
    ]
    tree = check_xml(client.get(f"{url}.xml", {"locale": "en"}).content, "service_definition")
    assert tree.find("attributes/attribute/description").text == "How deep is it?"


def test_requests_carry_the_service_and_agency_names_of_the_locale(client, spanish):
    request = submit_pothole(spanish)
    listed = orjson.loads(client.get(f"{BASE}/requests.json", {"locale": "es"}).content)
    check_json("requests", listed)
    assert (listed[0]["service_name"], listed[0]["agency_responsible"]) == ("Bache", "Calles")
    one = orjson.loads(
        client.get(f"{BASE}/requests/{request.public_id}.json", {"locale": "es"}).content
    )
    assert (one[0]["service_name"], one[0]["agency_responsible"]) == ("Bache", "Calles")
    # The same process answers the next caller in English from the same cached catalog.
    one = orjson.loads(client.get(f"{BASE}/requests/{request.public_id}.json").content)
    assert (one[0]["service_name"], one[0]["agency_responsible"]) == ("Pothole", "Streets")
    tree = check_xml(
        client.get(f"{BASE}/requests.xml", headers={"Accept-Language": "es"}).content,
        "service_requests",
        "request",
    )
    assert xml_records(tree)[0]["service_name"] == "Bache"


def test_extensions_label_answers_in_the_locale(client, spanish):
    submit_pothole(spanish)
    rows = orjson.loads(
        client.get(f"{BASE}/requests.json", {"locale": "es", "extensions": "true"}).content
    )
    (answer,) = rows[0]["attributes"]
    assert (answer["label"], answer["code"], answer["value"]) == (
        "¿Qué profundidad tiene?",
        "deep",
        "Más de 5 cm",
    )


def test_a_post_with_locale_is_answered_in_it(client, spanish, api_key):
    response = client.post(
        f"{BASE}/requests.json",
        {
            "api_key": api_key,
            "service_code": "pothole",
            "lat": 34.05,
            "long": -118.25,
            "locale": "es",
        },
    )
    [error] = orjson.loads(response.content)
    assert response.status_code == 400
    # The required question, asked in Spanish.
    assert "¿Qué profundidad tiene?" in error["description"]
