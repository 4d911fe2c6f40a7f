"""POST requests: the one path in, API keys, idempotency, tokens, media, and bad input."""

from io import BytesIO

import orjson
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image

from fixboard.accounts.apikeys import issue_api_key
from fixboard.catalog.models import AttributeDefinition, ServiceType
from fixboard.core.snapshots import configuration_changed
from fixboard.open311.models import Submission
from fixboard.places.addresses import record_addresses
from fixboard.places.models import AddressPoint
from fixboard.reports.models import Channel, Event, ServiceRequest, SubmissionClaim
from tests.factories import INSIDE_EAST, INSIDE_WEST, AttributeFactory, make_city

from .conftest import PHOTOS, check_json, check_xml

pytestmark = pytest.mark.django_db

URL = "/open311/v2/requests.json"


def post(client, api_key, url=URL, headers=None, **fields):
    data = {
        "api_key": api_key,
        "service_code": "pothole",
        "lat": INSIDE_WEST[0],
        "long": INSIDE_WEST[1],
        "attribute[depth]": "deep",
        "description": "A pothole in the right lane",
        **fields,
    }
    return client.post(url, {k: v for k, v in data.items() if v is not None}, headers=headers)


def answer(response, status=200):
    assert response.status_code == status, response.content
    data = orjson.loads(response.content)
    if status == 200:
        check_json("post", data, method="post")
    else:
        check_json("errors", data, error=True)
    return data


def descriptions(response, status=400) -> str:
    return " | ".join(e["description"] for e in answer(response, status))


def test_realtime_post_creates_a_request_through_the_domain(client, city, api_key):
    data = answer(
        post(
            client,
            api_key,
            email="ana@example.org",
            first_name="Ana",
            last_name="Reyes",
            phone="+1 555 0100",
            device_id="device-7",
            account_id="acct-42",
        )
    )
    request = ServiceRequest.objects.get()
    assert data == [{"service_request_id": request.public_id, "account_id": "acct-42"}]
    assert request.channel == Channel.OPEN311
    assert request.attributes == {"depth": "deep"}
    assert request.department == city.streets
    assert (request.reporter.name, request.reporter.email) == ("Ana Reyes", "ana@example.org")
    assert request.events.get().kind == Event.Kind.SUBMITTED
    submission = Submission.objects.get()
    assert (submission.device_id, submission.account_id) == ("device-7", "acct-42")


def test_xml_answer(client, city, api_key):
    response = post(client, api_key, url="/open311/v2/requests.xml")
    tree = check_xml(response.content, "service_requests", "request")
    assert tree.find("request/service_request_id").text == ServiceRequest.objects.get().public_id


def test_multivaluelist_attribute(client, city, api_key):
    AttributeFactory(
        service_type=city.pothole,
        code="lanes",
        description="Which lanes?",
        datatype=AttributeDefinition.Datatype.MULTIVALUELIST,
        values=[{"key": "left", "name": "Left"}, {"key": "right", "name": "Right"}],
    )
    response = client.post(
        URL,
        f"api_key={api_key}&service_code=pothole&lat=34.05&long=-118.25&attribute[depth]=deep"
        "&attribute[lanes][]=left&attribute[lanes][]=right",
        content_type="application/x-www-form-urlencoded; charset=utf-8",
    )
    answer(response)
    assert ServiceRequest.objects.get().attributes == {"depth": "deep", "lanes": ["left", "right"]}


def test_batch_service_answers_a_token_that_resolves(client, city, api_key):
    ServiceType.objects.filter(pk=city.pothole.pk).update(type=ServiceType.Type.BATCH)
    data = answer(post(client, api_key))
    assert set(data[0]) == {"token"}
    token = data[0]["token"]
    resolved = orjson.loads(client.get(f"/open311/v2/tokens/{token}.json").content)
    check_json("token", resolved)
    assert resolved == [
        {"service_request_id": ServiceRequest.objects.get().public_id, "token": token}
    ]
    tree = check_xml(
        client.get(f"/open311/v2/tokens/{token}.xml").content, "service_requests", "request"
    )
    assert tree.find("request/token").text == token


def test_photo_upload_is_stored_stripped_and_served_as_media_url(client, city, api_key):
    photo = PHOTOS / "DSCN0010.jpg"
    upload = SimpleUploadedFile(photo.name, photo.read_bytes(), content_type="image/jpeg")
    answer(post(client, api_key, media=upload))
    request = ServiceRequest.objects.get()
    # The photo's own GPS is in Italy; the posted lat/long place the request.
    assert (request.lat, request.long) == INSIDE_WEST
    stored = request.photos.get()
    assert not Image.open(stored.image.path).getexif()
    record = orjson.loads(client.get("/open311/v2/requests.json").content)[0]
    assert record["media_url"] == f"http://testserver{stored.image.url}"


def test_media_url_is_kept(client, city, api_key):
    answer(post(client, api_key, media_url="https://example.org/photos/1.jpg"))
    record = orjson.loads(client.get("/open311/v2/requests.json").content)[0]
    assert record["media_url"] == "https://example.org/photos/1.jpg"


def test_idempotency_key_never_creates_a_second_request(client, city, api_key):
    headers = {"Idempotency-Key": "c0ffee-1"}
    first = answer(post(client, api_key, headers=headers))
    again = answer(post(client, api_key, headers=headers))
    assert first == again
    assert ServiceRequest.objects.count() == 1
    other = post(client, api_key, headers=headers, description="Something else")
    assert "already used for a different request" in descriptions(other)
    assert ServiceRequest.objects.count() == 1


def test_identical_post_within_minutes_is_a_repeat_but_not_later(client, city, api_key):
    first = answer(post(client, api_key))
    assert answer(post(client, api_key)) == first
    assert ServiceRequest.objects.count() == 1
    SubmissionClaim.objects.update(expires_at=SubmissionClaim.objects.get().created_at)
    later = answer(post(client, api_key))
    assert later != first
    assert ServiceRequest.objects.count() == 2


def test_api_key_is_required_valid_and_for_this_jurisdiction(client, city, api_key):
    assert "api_key is required" in descriptions(post(client, None), 403)
    assert "Invalid api_key" in descriptions(post(client, "not-a-key"), 403)
    other = make_city()
    _client, foreign_key = issue_api_key(
        name="Elsewhere", jurisdiction_slugs=[other.jurisdiction.slug]
    )
    response = post(client, foreign_key, jurisdiction_id=city.jurisdiction.slug)
    assert "may not be used for" in descriptions(response, 403)
    assert not ServiceRequest.objects.exists()


def test_rate_limit(client, city):
    _client, key = issue_api_key(
        name="Slow app", jurisdiction_slugs=[city.jurisdiction.slug], rate_limit_per_minute=2
    )
    answer(post(client, key, description="one"))
    answer(post(client, key, description="two"))
    response = post(client, key, description="three")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "Rate limit of 2 requests a minute" in orjson.loads(response.content)[0]["description"]


def test_address_string_is_resolved_through_the_address_index(client, city, api_key):
    record_addresses(
        jurisdiction=city.jurisdiction,
        addresses=[("2111 West Bellevue Avenue", "90026", INSIDE_EAST[0], INSIDE_EAST[1])],
    )
    answer(post(client, api_key, lat=None, long=None, address_string="2111 W Bellevue Ave"))
    request = ServiceRequest.objects.get()
    assert (request.lat, request.long) == INSIDE_EAST
    assert (request.address, request.zipcode) == ("2111 W Bellevue Ave", "90026")
    assert list(request.areas.all()) == [city.east]

    # Not in the index: kept as given, for staff to place (tests/open311/test_clients.py).
    unknown = post(client, api_key, lat=None, long=None, address_string="1 Nowhere Lane")
    public_id = answer(unknown)[0]["service_request_id"]
    assert not ServiceRequest.objects.get(public_id=public_id).pinpointed
    ServiceRequest.objects.filter(public_id=public_id).delete()

    point = AddressPoint.objects.get()
    answer(post(client, api_key, lat=None, long=None, address_id=str(point.pk), description="b"))
    assert ServiceRequest.objects.filter(address="2111 West Bellevue Avenue").exists()
    assert "not an address id" in descriptions(
        post(client, api_key, lat=None, long=None, address_id="999999")
    )


def _png() -> bytes:
    out = BytesIO()
    Image.new("RGB", (4, 4), "red").save(out, "PNG")
    return out.getvalue()


@pytest.mark.parametrize(
    ("fields", "status", "expected"),
    [
        ({"service_code": None}, 400, "service_code is required"),
        ({"service_code": "nope"}, 404, "no service nope"),
        ({"description": "x" * 4001}, 400, "under 4000 characters (it has 4001)"),
        ({"lat": "95"}, 400, "lat must be a number from -90 to 90; got 95"),
        ({"lat": "north"}, 400, "lat must be a number from -90 to 90; got north"),
        ({"long": None}, 400, "Send both lat and long"),
        ({"lat": None, "long": None}, 400, "Give the location"),
        ({"lat": "40.71", "long": "-74.0"}, 400, "outside Testville"),
        ({"attribute[depth]": "bottomless"}, 400, "attribute[depth]: bottomless is not one"),
        ({"attribute[depth]": None}, 400, "attribute[depth]: Please answer"),
        ({"media_url": "not a url"}, 400, "media_url: not a url is not an http(s) URL"),
        ({"email": "ana@"}, 400, "email: ana@ is not an e-mail address"),
        ({"jurisdiction_id": "atlantis"}, 404, "no jurisdiction atlantis"),
    ],
)
def test_bad_input_gets_the_spec_error_body(client, city, api_key, fields, status, expected):
    response = post(client, api_key, **fields)
    assert expected in descriptions(response, status)
    assert not ServiceRequest.objects.exists()
    assert not Submission.objects.exists()


def test_non_image_media_is_refused(client, city, api_key):
    upload = SimpleUploadedFile("notes.txt", b"not a photo at all", content_type="text/plain")
    assert "not a photo we can read" in descriptions(post(client, api_key, media=upload))
    png = SimpleUploadedFile("dot.png", _png(), content_type="image/png")
    answer(post(client, api_key, media=png))


def test_several_problems_are_listed_together(client, city, api_key):
    errors = answer(post(client, api_key, lat="95", **{"attribute[depth]": "bottomless"}), 400)
    assert len(errors) == 2
    assert all(e["code"] == 400 for e in errors)


def test_private_and_inactive_service_types(client, city, api_key):
    ServiceType.objects.filter(pk=city.bulky.pk).update(public=False)
    configuration_changed()  # what a bulk write of configuration must do
    assert "no service bulky-items" in descriptions(
        post(client, api_key, service_code="bulky-items"), 404
    )
    ServiceType.objects.filter(pk=city.pothole.pk).update(active=False)
    configuration_changed()
    assert "no longer takes reports" in descriptions(post(client, api_key))


def test_get_on_post_only_resource_and_post_on_get_only(client, city):
    response = client.post("/open311/v2/services.json")
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD, OPTIONS"
    assert "Use GET" in orjson.loads(response.content)[0]["description"]


def test_address_id_is_kept_and_served_back(client, city, api_key):
    # With lat and long, address_id is the client's reference to the city's register.
    first = answer(post(client, api_key, address_id="MAR-545483"))[0]["service_request_id"]
    assert ServiceRequest.objects.get(public_id=first).address_id == "MAR-545483"
    # Alone, it is an id of the address index, which gives the location.
    record_addresses(
        jurisdiction=city.jurisdiction,
        addresses=[("2111 West Bellevue Avenue", "90026", INSIDE_EAST[0], INSIDE_EAST[1])],
    )
    point = AddressPoint.objects.get()
    second = answer(
        post(client, api_key, lat=None, long=None, address_id=str(point.pk), description="b")
    )[0]["service_request_id"]
    request = ServiceRequest.objects.get(public_id=second)
    assert (request.address_id, request.lat, request.long) == (str(point.pk), *INSIDE_EAST)

    data = orjson.loads(client.get("/open311/v2/requests.json").content)
    check_json("requests", data)
    assert {r["service_request_id"]: r["address_id"] for r in data} == {
        first: "MAR-545483",
        second: str(point.pk),
    }
    one = orjson.loads(client.get(f"/open311/v2/requests/{first}.json").content)
    check_json("request", one)
    assert one[0]["address_id"] == "MAR-545483"
    tree = check_xml(
        client.get(f"/open311/v2/requests/{first}.xml").content, "service_requests", "request"
    )
    assert tree.find("request/address_id").text == "MAR-545483"

    too_long = post(client, api_key, address_id="9" * 101)
    assert "address_id: keep it under 100 characters" in descriptions(too_long)


def test_service_notice_comes_from_the_service_type(client, city, api_key):
    notice = "Potholes are filled within three working days."
    ServiceType.objects.filter(pk=city.pothole.pk).update(notice=notice)
    data = answer(post(client, api_key))
    assert data[0]["service_notice"] == notice
    tree = check_xml(
        post(client, api_key, url="/open311/v2/requests.xml", description="b").content,
        "service_requests",
        "request",
    )
    assert tree.find("request/service_notice").text == notice

    listed = orjson.loads(client.get("/open311/v2/requests.json").content)
    check_json("requests", listed)
    assert [r["service_notice"] for r in listed] == [notice, notice]
    tree = check_xml(client.get("/open311/v2/requests.xml").content, "service_requests", "request")
    assert [r.find("service_notice").text for r in tree] == [notice, notice]
    # A service type without a notice answers none: the schema has no null for it.
    ServiceType.objects.filter(pk=city.pothole.pk).update(notice="")
    configuration_changed()
    assert "service_notice" not in answer(post(client, api_key, description="c"))[0]


def test_a_post_costs_a_fixed_number_of_queries(client, city, api_key, settings):
    # As deployed: the configuration and the area index are read again after a few seconds.
    settings.CONFIGURATION_CACHE_SECONDS = 60
    settings.AREA_INDEX_REFRESH_SECONDS = 60
    answer(post(client, api_key, description="First"))
    with CaptureQueriesContext(connection) as queries:
        answer(post(client, api_key, description="Second"))
    statements = [q["sql"] for q in queries.captured_queries]
    # The API key, its rate-limit counter (read, increment), then one transaction: a free
    # public id, the request, its areas, its event, its map cells and point, its figure
    # tallies and states, the submission, its idempotency claim (savepoints here, as the test
    # holds a transaction).
    assert len(statements) == 15, "\n".join(statements)
    assert statements[0].startswith('SELECT "accounts_apiclient"')
    assert "SAVEPOINT" in statements[3] and "RELEASE SAVEPOINT" in statements[-1]


def test_more_photos_than_the_limit_are_refused_before_any_is_read(client, city, api_key):
    """Ninety-nine large photos used to hold a worker until gunicorn killed it."""
    uploads = [SimpleUploadedFile(f"{n}.png", _png(), "image/png") for n in range(6)]
    assert "media: You sent 6 photos; send at most 5." in descriptions(
        post(client, api_key, media=uploads)
    )
    big = [SimpleUploadedFile(f"{n}.jpg", b"\xff\xd8" + b"0" * 9_000_000) for n in range(3)]
    assert "send at most 25 MB in all" in descriptions(post(client, api_key, media=big))
    assert not ServiceRequest.objects.exists()


def test_a_body_over_djangos_limits_is_an_open311_error(client, city, api_key):
    files = [SimpleUploadedFile(f"p{i}.jpg", b"\xff\xd8", "image/jpeg") for i in range(101)]
    too_many = descriptions(post(client, api_key, media=files))
    assert too_many == "The request has more than 100 files; send fewer."
    fields = {f"attribute[q{i}]": "1" for i in range(1001)}
    assert "more than 1000 fields" in descriptions(post(client, api_key, **fields))
    big = post(client, api_key, url="/open311/v2/requests.xml", description="x" * 2_700_000)
    assert big.status_code == 400
    errors = check_xml(big.content, "errors", "error")
    assert errors[0].findtext("description") == (
        "The request is over 2621440 bytes, files apart; send less text."
    )
    assert not ServiceRequest.objects.exists()
