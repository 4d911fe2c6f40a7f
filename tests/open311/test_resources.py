"""Every GeoReport v2 resource, in both formats, against the spec and the public schemas."""

import orjson
import pytest

from fixboard.catalog.models import AttributeDefinition
from fixboard.reports.actions import transition
from fixboard.reports.models import CloseReason, Status
from tests.factories import AttributeFactory, ServiceTypeFactory, make_city, submit_pothole

from .conftest import check_json, check_xml, xml_records

pytestmark = pytest.mark.django_db

BASE = "/open311/v2"


def get(client, path, **params):
    return client.get(f"{BASE}/{path}", params)


def test_discovery_lists_the_v2_endpoint_in_both_formats(client, city):
    response = get(client, "discovery.json")
    assert response["Content-Type"] == "application/json; charset=utf-8"
    data = orjson.loads(response.content)
    check_json("discovery", data)
    endpoint = data["endpoints"][0]
    assert endpoint["url"] == "http://testserver/open311/v2"
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"

    response = get(client, "discovery.xml")
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    tree = check_xml(response.content, "discovery")
    formats = [f.text for f in tree.find("endpoints/endpoint/formats")]
    assert formats == ["text/xml", "application/json"]


def test_services_list_public_active_types_with_string_codes(client, city):
    ServiceTypeFactory(jurisdiction=city.jurisdiction, code="internal", public=False)
    ServiceTypeFactory(jurisdiction=city.jurisdiction, code="retired", active=False)
    ServiceTypeFactory(jurisdiction=city.jurisdiction, code="001", name="Cans left out")

    data = orjson.loads(get(client, "services.json").content)
    check_json("services", data)
    by_code = {s["service_code"]: s for s in data}
    assert set(by_code) == {"pothole", "bulky-items", "001"}
    assert by_code["pothole"] == {
        "service_code": "pothole",
        "service_name": "Pothole",
        "description": None,
        "metadata": True,
        "type": "realtime",
        "keywords": None,
        "group": "Streets",
    }
    assert by_code["001"]["metadata"] is False

    tree = check_xml(get(client, "services.xml").content, "services", "service")
    records = {r["service_code"]: r for r in xml_records(tree)}
    assert records["001"]["metadata"] == "false"
    assert list(records["pothole"]) == [
        "service_code",
        "service_name",
        "description",
        "metadata",
        "type",
        "keywords",
        "group",
    ]


def test_service_definition_has_ordered_attributes_and_values(client, city):
    AttributeFactory(
        service_type=city.pothole,
        code="lanes",
        description="Which lanes?",
        datatype=AttributeDefinition.Datatype.MULTIVALUELIST,
        values=[{"key": 1, "name": "Left"}, {"key": 2, "name": "Right"}],
    )
    data = orjson.loads(get(client, "services/pothole.json").content)
    check_json("service", data)
    assert data["service_code"] == "pothole"
    assert [a["code"] for a in data["attributes"]] == ["depth", "lanes"]
    assert data["attributes"][1]["values"] == [
        {"key": "1", "name": "Left"},
        {"key": "2", "name": "Right"},
    ]
    tree = check_xml(get(client, "services/pothole.xml").content, "service_definition")
    assert tree.find("service_code").text == "pothole"
    attribute = tree.find("attributes/attribute")
    assert attribute.find("datatype").text == "singlevaluelist"
    assert [v.find("key").text for v in attribute.find("values")] == ["shallow", "deep"]


def test_requests_list_and_one_request(client, city):
    request = submit_pothole(city, description="Deep hole by the school")
    transition(
        request=request,
        to_status=Status.IN_PROGRESS,
        actor="test",
        note="Crew on the way",
    )
    data = orjson.loads(get(client, "requests.json").content)
    check_json("requests", data)
    assert len(data) == 1
    record = data[0]
    assert record["service_request_id"] == request.public_id
    assert record["status"] == "open"
    assert record["status_notes"] == "Crew on the way"
    assert record["agency_responsible"] == "Streets"
    assert record["service_code"] == "pothole"
    assert record["requested_datetime"].endswith(("-07:00", "-08:00"))
    assert record["expected_datetime"] is not None
    assert record["lat"] == 34.05 and record["long"] == -118.25

    one = orjson.loads(get(client, f"requests/{request.public_id}.json").content)
    check_json("request", one)
    assert one == data

    tree = check_xml(get(client, "requests.xml").content, "service_requests", "request")
    assert xml_records(tree)[0]["service_request_id"] == request.public_id
    tree = check_xml(
        get(client, f"requests/{request.public_id}.xml").content, "service_requests", "request"
    )
    assert len(tree) == 1


def test_closed_duplicate_with_extensions(client, city):
    first = submit_pothole(city)
    second = submit_pothole(city)
    from fixboard.reports.actions import merge

    merge(duplicate=second, canonical=first, actor="test")
    data = orjson.loads(get(client, f"requests/{second.public_id}.json", extensions="true").content)
    check_json("request", data)
    record = data[0]
    assert record["status"] == "closed"
    extended = record["extended_attributes"]
    assert extended["duplicate"] is True
    assert extended["parent_service_request_id"] == first.public_id
    assert extended["areas"] == {"ward": "1"}
    assert extended["status"] == "duplicate"
    assert record["attributes"] == [
        {"name": "depth", "label": "How deep is it?", "code": "deep", "value": "Deeper than 5 cm"}
    ]
    kinds = [n["type"] for n in record["notes"]]
    assert kinds[0] == "submitted" and "status_changed" in kinds and "merged" in kinds
    tree = check_xml(
        get(client, f"requests/{second.public_id}.xml", extensions="true").content,
        "service_requests",
        "request",
    )
    assert tree.find("request/extended_attributes/areas/ward").text == "1"
    assert [n.tag for n in tree.find("request/notes")] == ["note"] * len(kinds)
    assert CloseReason.DUPLICATE


def test_unknown_things_are_404_with_an_error_body(client, city):
    for path in ("services/nope.json", "requests/ZZZZ-ZZZZ.json", "tokens/nope.json"):
        response = get(client, path)
        assert response.status_code == 404, path
        check_json("errors", orjson.loads(response.content), error=True)
    response = get(client, "services.yaml")
    assert response.status_code == 404
    check_xml(response.content, "errors", "error")
    response = get(client, "services.json", jurisdiction_id="atlantis")
    assert response.status_code == 404
    assert "atlantis" in orjson.loads(response.content)[0]["description"]


def test_jurisdiction_id_is_needed_only_with_several(client, city):
    assert get(client, "services.json").status_code == 200
    other = make_city()
    response = get(client, "services.xml")
    assert response.status_code == 400
    tree = check_xml(response.content, "errors", "error")
    assert "jurisdiction_id is required" in tree.find("error/description").text
    assert tree.find("error/code").text == "400"
    ok = get(client, "services.json", jurisdiction_id=other.jurisdiction.slug)
    assert ok.status_code == 200
    assert get(client, "services.json", jurisdiction_id="").status_code == 400


def test_long_imported_descriptions_are_cut_to_the_spec_limit(client, city):
    from fixboard.reports.models import ServiceRequest

    request = submit_pothole(city)
    ServiceRequest.objects.filter(pk=request.pk).update(description="word " * 1000)
    data = orjson.loads(get(client, "requests.json").content)
    check_json("requests", data)
    assert len(data[0]["description"]) == 4000 and data[0]["description"].endswith("…")
