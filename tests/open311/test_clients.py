"""What real Open311 clients ran into (issue 18), each called as such a client calls."""

from datetime import timedelta
from urllib.parse import urlencode

import orjson
import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from shapely.geometry import Point, box

from fixboard.accounts.apikeys import issue_api_key
from fixboard.accounts.models import User
from fixboard.catalog.actions import save_service_type
from fixboard.catalog.questions import FIELDS
from fixboard.places.actions import create_jurisdiction, set_boundary
from fixboard.places.addresses import record_addresses
from fixboard.reports.changes import relocate
from fixboard.reports.models import CloseReason, Event, ServiceRequest, Status
from tests.factories import (
    INSIDE_WEST,
    OUTSIDE,
    ServiceTypeFactory,
    UserFactory,
    submit_pothole,
)

from .conftest import check_json, check_xml, xml_records

pytestmark = pytest.mark.django_db

REQUESTS = "/open311/v2/requests"
UPDATES = "/open311/v2/servicerequestupdates"
FORM = "application/x-www-form-urlencoded"


def post_request(client, api_key, fmt="json", **fields):
    data = {
        "api_key": api_key,
        "service_code": "pothole",
        "lat": INSIDE_WEST[0],
        "long": INSIDE_WEST[1],
        "attribute[depth]": "deep",
        **fields,
    }
    return client.post(f"{REQUESTS}.{fmt}", {k: v for k, v in data.items() if v is not None})


def post_update(client, api_key, request, fmt="json", **fields):
    data = {
        "api_key": api_key,
        "service_request_id": request.public_id,
        "update_id": "FMS-1",
        "status": "IN_PROGRESS",
        "updated_datetime": (timezone.now() - timedelta(minutes=1)).isoformat(),
        "description": "On it",
        **fields,
    }
    return client.post(f"{UPDATES}.{fmt}", {k: v for k, v in data.items() if v is not None})


def ok(response) -> list | dict:
    assert response.status_code == 200, response.content
    return orjson.loads(response.content)


def errors(response, status=400) -> list[str]:
    assert response.status_code == status, response.content
    body = orjson.loads(response.content)
    check_json("errors", body, error=True)
    return [e["description"] for e in body]


def window() -> dict:
    now = timezone.now()
    return {
        "start_date": (now - timedelta(days=1)).isoformat(),
        "end_date": (now + timedelta(minutes=1)).isoformat(),
    }


# ---- 1. a client's own update_id comes back ---------------------------------------------


def test_a_client_reads_back_its_own_update_id(client, city, api_key):
    request = submit_pothole(city)
    assert ok(post_update(client, api_key, request, update_id="FMS-7781")) == [
        {"update_id": "FMS-7781"}
    ]
    read = ok(client.get(f"{UPDATES}.json", {"api_key": api_key, **window()}))
    check_json("updates", read)
    assert [(u["update_id"], u["status"]) for u in read] == [("FMS-7781", "in_progress")]
    tree = check_xml(
        client.get(f"{UPDATES}.xml", {"api_key": api_key, **window()}).content,
        "service_request_updates",
        "request_update",
    )
    assert [r["update_id"] for r in xml_records(tree)] == ["FMS-7781"]


def test_others_read_fixboards_own_id_for_a_clients_update(client, city, api_key):
    request = submit_pothole(city)
    ok(post_update(client, api_key, request, update_id="FMS-7781"))
    event_id = str(request.events.get(external_id="FMS-7781").pk)
    _other, other_key = issue_api_key(name="Other app", jurisdiction_slugs=[])
    for params in ({**window()}, {"api_key": other_key, **window()}):
        read = ok(client.get(f"{UPDATES}.json", params))
        assert [u["update_id"] for u in read] == [event_id]


# ---- 2. angle brackets are text ----------------------------------------------------------


def test_text_with_angle_brackets_is_kept_and_escaped_everywhere(client, city, api_key):
    text = "Broken sign, contact <jane@example.org> & ask for <Roads>"
    posted = ok(post_request(client, api_key, description=text))
    public_id = posted[0]["service_request_id"]
    assert ServiceRequest.objects.get(public_id=public_id).description == text
    record = ok(client.get(f"{REQUESTS}/{public_id}.json"))
    assert record[0]["description"] == text
    raw = client.get(f"{REQUESTS}/{public_id}.xml").content
    assert b"contact &lt;jane@example.org&gt; &amp; ask for &lt;Roads&gt;" in raw
    assert xml_records(check_xml(raw, "service_requests", "request"))[0]["description"] == text
    page = client.get(f"/requests/{public_id}/").content.decode()
    assert "contact &lt;jane@example.org&gt;" in page and "<jane@" not in page
    feed = client.get(f"/feeds/{city.jurisdiction.slug}/").content.decode()
    assert "jane@example.org" in feed and "<jane@" not in feed


def test_an_update_with_angle_brackets_is_accepted(client, city, api_key):
    request = submit_pothole(city)
    text = "Questions to <roads@example.org> please"
    ok(post_update(client, api_key, request, description=text))
    read = ok(client.get(f"{UPDATES}.json", {"api_key": api_key, **window()}))
    assert read[0]["description"] == text


# ---- 4. unknown answers ignored, known ones strict, one type in extensions ---------------


def test_unknown_attribute_codes_are_ignored_and_said_so(client, city, api_key):
    answer = ok(post_request(client, api_key, **{"attribute[colour]": "red"}))
    check_json("post", answer, method="post")
    assert "attribute[colour]" in answer[0]["service_notice"]
    request = ServiceRequest.objects.get(public_id=answer[0]["service_request_id"])
    assert request.attributes == {"depth": "deep"}
    # Known questions stay strict.
    assert errors(post_request(client, api_key, **{"attribute[depth]": "bottomless"})) == [
        "attribute[depth]: bottomless is not one of the choices (shallow, deep)."
    ]


def test_answer_values_in_extensions_are_always_strings(client, city, api_key):
    answer = ok(
        post_request(client, api_key, service_code="bulky-items", **{"attribute[items]": "3"})
    )
    public_id = answer[0]["service_request_id"]
    record = ok(client.get(f"{REQUESTS}/{public_id}.json", {"extensions": "true"}))
    assert record[0]["attributes"] == [
        {"name": "items", "label": "How many items?", "code": "3", "value": "3"}
    ]


# ---- 5. every problem in one answer -----------------------------------------------------


def test_five_problems_come_back_in_one_answer(client, city, api_key):
    found = errors(
        post_request(
            client,
            api_key,
            description="x" * 4001,
            lat="95",
            email="ana@",
            media_url="not a url",
            **{"attribute[depth]": "bottomless"},
        )
    )
    assert len(found) == 5, found
    for name in ("description:", "lat ", "email:", "media_url:", "attribute[depth]:"):
        assert any(d.startswith(name) for d in found), (name, found)
    assert not ServiceRequest.objects.exists()


def test_an_updates_problems_come_back_together(client, city, api_key):
    request = submit_pothole(city)
    found = errors(
        post_update(
            client,
            api_key,
            request,
            update_id=None,
            status="MAYBE",
            updated_datetime="yesterday",
            media_url="nope",
        )
    )
    assert len(found) == 4, found


# ---- 6. CORS ------------------------------------------------------------------------------


def test_public_gets_are_shared_with_any_web_page(client, city):
    submit_pothole(city)
    for path in ("services.json", "requests.xml", "servicerequestupdates.json"):
        response = client.get(f"/open311/v2/{path}", headers={"Origin": "https://app.example"})
        assert response.status_code == 200
        assert response["Access-Control-Allow-Origin"] == "*"


def test_a_preflight_is_answered(client, city):
    response = client.options(
        f"{REQUESTS}.json",
        headers={"Origin": "https://app.example", "Access-Control-Request-Method": "GET"},
    )
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    # A browser may not post: the answer says what is allowed, without sharing it.
    response = client.options(
        f"{REQUESTS}.json",
        headers={"Origin": "https://app.example", "Access-Control-Request-Method": "POST"},
    )
    assert response.status_code == 204
    assert response["Allow"] == "GET, POST, HEAD, OPTIONS"
    assert "Access-Control-Allow-Origin" not in response


# ---- 8. updates beyond one page are signalled -------------------------------------------


def test_a_truncated_updates_answer_links_to_the_rest(client, city, api_key, monkeypatch):
    monkeypatch.setattr("fixboard.open311.queries.DEFAULT_LIMIT", 2)
    request = submit_pothole(city)
    for number, status in enumerate(("INVESTIGATING", "IN_PROGRESS", "FIXED"), start=1):
        at = timezone.now() - timedelta(minutes=10 - number)
        ok(
            post_update(
                client,
                api_key,
                request,
                update_id=f"u{number}",
                status=status,
                updated_datetime=at.isoformat(),
            )
        )
    response = client.get(f"{UPDATES}.json", {"api_key": api_key, **window()})
    assert [u["update_id"] for u in ok(response)] == ["u1", "u2"]  # oldest first
    link = response["Link"]
    assert response["Access-Control-Expose-Headers"] == "Link"
    assert link.endswith('>; rel="next"') and "page=2" in link and "page_size=2" in link
    rest = client.get(link[1 : link.index(">")])
    assert [u["update_id"] for u in ok(rest)] == ["u3"]
    assert "Link" not in rest


# ---- 9. methods and encodings ------------------------------------------------------------


def test_head_is_answered_as_get(client, city):
    get = client.get(f"{REQUESTS}.xml")
    head = client.head(f"{REQUESTS}.xml")
    assert head.status_code == 200
    assert head.content == b""
    assert head["Content-Type"] == "text/xml; charset=utf-8"
    assert head["Content-Length"] == str(len(get.content))


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_other_methods_get_405_with_allow(client, city, method):
    response = getattr(client, method)(f"{REQUESTS}.json")
    assert response.status_code == 405
    assert response["Allow"] == "GET, POST, HEAD, OPTIONS"
    assert errors(response, 405) == ["Use GET or POST on this resource."]
    response = getattr(client, method)("/open311/v2/services.xml")
    assert response["Allow"] == "GET, HEAD, OPTIONS"
    check_xml(response.content, "errors", "error")


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_latin1_form_gets_an_open311_error(client, city, api_key, fmt):
    body = urlencode(
        {
            "api_key": api_key,
            "service_code": "pothole",
            "lat": "34.05",
            "long": "-118.25",
            "attribute[depth]": "deep",
            "description": "Caf\xe9",
        },
        encoding="latin-1",
    )
    response = client.post(f"{REQUESTS}.{fmt}", body, content_type=f"{FORM}; charset=ISO-8859-1")
    assert response.status_code == 400
    if fmt == "json":
        assert "charset=iso-8859-1" in errors(response)[0]
    else:
        tree = check_xml(response.content, "errors", "error")
        assert "must be UTF-8" in tree.find("error/description").text
    assert not ServiceRequest.objects.exists()


def test_invalid_utf8_is_refused_not_stored_as_replacement_characters(client, city, api_key):
    body = (
        f"api_key={api_key}&service_code=pothole&lat=34.05&long=-118.25"
        "&attribute%5Bdepth%5D=deep&description=Caf%E9+on+Main"
    )
    response = client.post(f"{REQUESTS}.json", body, content_type=FORM)
    assert errors(response) == ["description is not UTF-8 text; encode every parameter as UTF-8."]
    assert not ServiceRequest.objects.exists()
    response = client.get(f"{REQUESTS}.json?service_code=pot%FFhole")
    assert errors(response) == ["service_code is not UTF-8 text; encode every parameter as UTF-8."]
    # Well-formed UTF-8 goes through.
    body = body.replace("Caf%E9", "Caf%C3%A9")
    answer = ok(client.post(f"{REQUESTS}.json", body, content_type=FORM))
    assert (
        ServiceRequest.objects.get(public_id=answer[0]["service_request_id"]).description
        == "Café on Main"
    )


def test_invalid_utf8_in_a_multipart_field_is_refused(client, city, api_key):
    boundary = "fixboard-test"
    fields = {
        "api_key": api_key.encode(),
        "service_code": b"pothole",
        "lat": b"34.05",
        "long": b"-118.25",
        "attribute[depth]": b"deep",
        "description": b"Caf\xe9 on Main",
    }
    body = (
        b"".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            + value
            + b"\r\n"
            for name, value in fields.items()
        )
        + f"--{boundary}--\r\n".encode()
    )
    content_type = f"multipart/form-data; boundary={boundary}"
    response = client.generic("POST", f"{REQUESTS}.json", body, content_type=content_type)
    assert errors(response) == ["description is not UTF-8 text; encode every parameter as UTF-8."]
    assert not ServiceRequest.objects.exists()
    body = body.replace(b"Caf\xe9", "Café".encode())
    answer = ok(client.generic("POST", f"{REQUESTS}.json", body, content_type=content_type))
    assert (
        ServiceRequest.objects.get(public_id=answer[0]["service_request_id"]).description
        == "Café on Main"
    )


# ---- 10. nothing empty in POST answers -------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_post_answers_leave_out_what_is_empty(client, city, api_key, fmt):
    response = post_request(client, api_key, fmt=fmt)
    assert response.status_code == 200, response.content
    if fmt == "json":
        answer = orjson.loads(response.content)
        check_json("post", answer, method="post")  # the swagger, nulls and all
        assert set(answer[0]) == {"service_request_id"}
    else:
        tree = check_xml(response.content, "service_requests", "request")
        assert [child.tag for child in tree[0]] == ["service_request_id"]


# ---- 11. a CRM corrects why a request was closed ----------------------------------------


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_crm_corrects_a_close_reason(client, city, api_key, fmt):
    request = submit_pothole(city)
    earlier = (timezone.now() - timedelta(minutes=5)).isoformat()
    ok(
        post_update(
            client,
            api_key,
            request,
            update_id="c1",
            status="NO_FURTHER_ACTION",
            updated_datetime=earlier,
        )
    )
    response = post_update(
        client,
        api_key,
        request,
        fmt=fmt,
        update_id="c2",
        status="FIXED",
        description="Fixed after all",
    )
    assert response.status_code == 200, response.content
    request.refresh_from_db()
    assert (request.status, request.close_reason) == (Status.CLOSED, CloseReason.FIXED)
    event = request.events.get(external_id="c2")
    assert event.kind == Event.Kind.CLOSE_REASON_CORRECTED
    assert (event.text, event.data["from"]) == ("Fixed after all", CloseReason.NOT_ACTIONABLE)
    read = ok(client.get(f"{UPDATES}.json", {"api_key": api_key, **window()}))
    check_json("updates", read)
    assert [(u["update_id"], u["status"]) for u in read] == [
        ("c1", "no_further_action"),
        ("c2", "fixed"),
    ]
    # Posting it again changes nothing more.
    ok(post_update(client, api_key, request, update_id="c2", status="FIXED"))
    assert request.events.filter(kind=Event.Kind.CLOSE_REASON_CORRECTED).count() == 1


def test_closed_and_duplicate_do_not_correct_a_close_reason(client, city, api_key):
    request = submit_pothole(city)
    ok(post_update(client, api_key, request, update_id="c1", status="NO_FURTHER_ACTION"))
    ok(post_update(client, api_key, request, update_id="c2", status="CLOSED", description="x"))
    ok(post_update(client, api_key, request, update_id="c3", status="DUPLICATE", description="y"))
    request.refresh_from_db()
    assert request.close_reason == CloseReason.NOT_ACTIONABLE
    kinds = [request.events.get(external_id=i).kind for i in ("c2", "c3")]
    assert kinds == [Event.Kind.PUBLIC_UPDATE, Event.Kind.PUBLIC_UPDATE]


# ---- 12. services by point; requests by department and photo ----------------------------


def test_services_of_the_jurisdiction_containing_the_point(client, city):
    set_boundary(city.jurisdiction, box(-118.30, 34.00, -118.10, 34.10))
    other = create_jurisdiction(slug="elsewhere", name="Elsewhere", timezone="America/New_York")
    set_boundary(other, box(OUTSIDE[1] - 0.1, OUTSIDE[0] - 0.1, OUTSIDE[1] + 0.1, OUTSIDE[0] + 0.1))
    ServiceTypeFactory(jurisdiction=other, code="noise", name="Noise")

    def codes(fmt="json", **params):
        response = client.get(f"/open311/v2/services.{fmt}", params)
        if fmt == "xml":
            tree = check_xml(response.content, "services")
            return [s.find("service_code").text for s in tree]
        data = ok(response)
        check_json("services", data)
        return [s["service_code"] for s in data]

    assert codes(lat=INSIDE_WEST[0], long=INSIDE_WEST[1]) == ["bulky-items", "pothole"]
    assert codes("xml", lat=OUTSIDE[0], long=OUTSIDE[1]) == ["noise"]
    assert codes(lat=0, long=0) == []
    # With jurisdiction_id too: that jurisdiction's services if it contains the point.
    slug = city.jurisdiction.slug
    assert codes(jurisdiction_id=slug, lat=OUTSIDE[0], long=OUTSIDE[1]) == []
    assert codes(jurisdiction_id=slug, lat=INSIDE_WEST[0], long=INSIDE_WEST[1]) == [
        "bulky-items",
        "pothole",
    ]
    assert errors(client.get("/open311/v2/services.json", {"lat": "34.05"})) == [
        "Give both lat and long, in decimal degrees."
    ]


def test_requests_filtered_by_agency_and_photo(client, city):
    streets = submit_pothole(city, description="streets")
    parks = submit_pothole(city, description="parks", media_url="https://crm.example/p.jpg")
    ServiceRequest.objects.filter(pk=parks.pk).update(department=city.parks)

    def ids(fmt="json", **params):
        response = client.get(f"{REQUESTS}.{fmt}", params)
        if fmt == "xml":
            tree = check_xml(response.content, "service_requests")
            return {r["service_request_id"] for r in xml_records(tree)}
        data = ok(response)
        check_json("requests", data)
        return {r["service_request_id"] for r in data}

    assert ids(agency_responsible="Parks") == {parks.public_id}
    assert ids("xml", agency_responsible="streets,Parks") == {streets.public_id, parks.public_id}
    assert ids(has_photo="true") == {parks.public_id}
    assert ids("xml", has_photo="false") == {streets.public_id}
    assert ids(agency_responsible="Streets", has_photo="true") == set()
    assert errors(client.get(f"{REQUESTS}.json", {"agency_responsible": "Roads"})) == [
        "agency_responsible: no department Roads here (known: Parks, Streets)."
    ]
    assert errors(client.get(f"{REQUESTS}.json", {"has_photo": "maybe"})) == [
        "has_photo must be true or false; got maybe."
    ]


# ---- 3. address-only requests ------------------------------------------------------------


@pytest.fixture
def bounded_city(city):
    set_boundary(city.jurisdiction, box(-118.30, 34.00, -118.10, 34.10))
    return city


def test_an_address_in_the_index_is_located(client, bounded_city, api_key):
    record_addresses(
        jurisdiction=bounded_city.jurisdiction,
        addresses=[("2111 West Bellevue Avenue", "90026", 34.05, -118.15)],
    )
    answer = ok(
        post_request(client, api_key, lat=None, long=None, address_string="2111 W Bellevue Ave")
    )
    request = ServiceRequest.objects.get(public_id=answer[0]["service_request_id"])
    assert (request.lat, request.long, request.pinpointed) == (34.05, -118.15, True)
    assert list(request.areas.all()) == [bounded_city.east]


@pytest.mark.parametrize(
    "fields",
    [
        {"address_string": "Corner of Elm and 3rd, by the school"},
        {"address_string": "Corner of Elm and 3rd, by the school", "address_id": "#NOTPINPOINTED#"},
    ],
)
def test_an_address_nobody_knows_waits_for_staff_to_place_it(client, bounded_city, api_key, fields):
    answer = ok(post_request(client, api_key, lat=None, long=None, **fields))
    check_json("post", answer, method="post")
    request = ServiceRequest.objects.get(public_id=answer[0]["service_request_id"])
    assert request.address == "Corner of Elm and 3rd, by the school"
    assert request.address_id == fields.get("address_id", "")
    assert not request.pinpointed
    assert bounded_city.jurisdiction.boundary.contains(Point(request.long, request.lat))
    note = request.events.get(kind=Event.Kind.INTERNAL_NOTE)
    assert not note.public and note.text.startswith("Location not pinpointed")
    # Clients read the address as given, and no invented point.
    record = ok(client.get(f"{REQUESTS}/{request.public_id}.json"))
    check_json("request", record)
    assert (record[0]["address"], record[0]["lat"], record[0]["long"]) == (
        "Corner of Elm and 3rd, by the school",
        None,
        None,
    )
    tree = check_xml(client.get(f"{REQUESTS}.xml").content, "service_requests", "request")
    assert (tree.find("request/lat").text, tree.find("request/long").text) == (None, None)
    # Staff see why it stands where it does, in the work view's timeline.
    staff = UserFactory(
        role=User.Role.STAFF,
        jurisdictions=[bounded_city.jurisdiction],
        departments=[bounded_city.streets],
    )
    client.force_login(staff)
    work = client.get(f"/queue/requests/{request.public_id}/").content.decode()
    assert "Location not pinpointed" in work
    client.logout()
    near_centre = {"lat": request.lat, "long": request.long, "radius": 50}
    assert ok(client.get(f"{REQUESTS}.json", near_centre)) == []
    # Staff place it: then it is where they put it.
    relocate(request=request, lat=34.06, long=-118.26, actor="staff", address="Elm St & 3rd St")
    request.refresh_from_db()
    assert request.pinpointed and request.address_id == ""
    record = ok(client.get(f"{REQUESTS}/{request.public_id}.json"))
    assert (record[0]["lat"], record[0]["long"]) == (34.06, -118.26)


def test_not_pinpointed_alone_asks_for_the_address(client, bounded_city, api_key):
    assert errors(
        post_request(client, api_key, lat=None, long=None, address_id="#NOTPINPOINTED#")
    ) == ["address_string: say where it is; address_id #NOTPINPOINTED# gives no place."]


def test_a_city_without_a_boundary_cannot_take_an_unknown_address(client, db):
    bare = create_jurisdiction(slug="bare", name="Bare", timezone="UTC")
    ServiceTypeFactory(jurisdiction=bare, code="graffiti", name="Graffiti")
    _client, key = issue_api_key(name="Bare app", jurisdiction_slugs=["bare"])
    response = client.post(
        f"{REQUESTS}.json",
        {
            "api_key": key,
            "jurisdiction_id": "bare",
            "service_code": "graffiti",
            "address_string": "1 Nowhere Lane",
        },
    )
    assert errors(response) == [
        "lat/long: Give the location on the map: Bare has no boundary to place it in."
    ]


# ---- 4. number answers within their question's limits -----------------------------------


@pytest.fixture
def counted(city):
    """Bulky items asks "How many items?": a whole number from 1 to 20."""
    question = city.bulky.attributes.get(code="items")
    save_service_type(
        actor="test",
        data={},
        service_type=city.bulky,
        questions=[
            {
                "id": question.pk,
                **{f: getattr(question, f) for f in FIELDS},
                "whole_number": True,
                "minimum": 1,
                "maximum": 20,
            }
        ],
    )
    return city


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("value", ["-3", "2.5", "0", "21"])
def test_number_answers_respect_their_limits(client, counted, api_key, fmt, value):
    response = post_request(
        client, api_key, fmt=fmt, service_code="bulky-items", **{"attribute[items]": value}
    )
    assert response.status_code == 400
    expected = f"attribute[items]: {value} is not allowed: A whole number from 1 to 20."
    if fmt == "json":
        assert errors(response) == [expected]
    else:
        tree = check_xml(response.content, "errors", "error")
        assert tree.find("error/description").text == expected
    assert not ServiceRequest.objects.exists()


def test_a_number_within_its_limits_is_kept_and_the_limits_are_published(client, counted, api_key):
    answer = ok(
        post_request(client, api_key, service_code="bulky-items", **{"attribute[items]": "20"})
    )
    request = ServiceRequest.objects.get(public_id=answer[0]["service_request_id"])
    assert request.attributes == {"items": 20}
    definition = ok(client.get("/open311/v2/services/bulky-items.json"))
    check_json("service", definition)
    assert definition["attributes"][0]["datatype_description"] == ("A whole number from 1 to 20.")


def test_limits_belong_to_number_questions(counted):
    question = counted.pothole.attributes.get(code="depth")
    with pytest.raises(ValidationError) as caught:
        save_service_type(
            actor="test",
            data={},
            service_type=counted.pothole,
            questions=[
                {"id": question.pk, **{f: getattr(question, f) for f in FIELDS}, "minimum": 3}
            ],
        )
    assert caught.value.message_dict == {
        "question[depth].minimum": ["Only number questions have limits; empty them."]
    }


def test_the_web_form_asks_within_the_same_limits(client, counted):
    page = client.get(
        f"/{counted.jurisdiction.slug}/report/questions/", {"service": "bulky-items"}
    ).content.decode()
    assert 'type="number"' in page
    assert all(attr in page for attr in ('step="1"', 'min="1"', 'max="20"'))
    assert "A whole number from 1 to 20." in page


def test_the_rest_api_follows_the_same_text_and_number_rules(client, counted, api_key):
    def rest(body: dict):
        return client.post(
            "/api/v1/requests",
            orjson.dumps({"lat": 34.05, "long": -118.25, **body}),
            content_type="application/json",
            headers={"X-Api-Key": api_key},
        )

    text = "Questions to <roads@example.org> please"
    made = rest({"service_code": "pothole", "attributes": {"depth": "deep"}, "description": text})
    assert made.status_code == 201, made.content
    assert ServiceRequest.objects.get(public_id=made.json()["id"]).description == text
    for value in (-3, 2.5):
        refused = rest({"service_code": "bulky-items", "attributes": {"items": value}})
        assert refused.status_code == 422, refused.content
        assert "A whole number from 1 to 20." in refused.content.decode()
