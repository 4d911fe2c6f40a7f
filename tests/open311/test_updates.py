"""servicerequestupdates (mySociety): a CRM posts status changes and notes; clients read them."""

from datetime import timedelta

import orjson
import pytest
from django.utils import timezone

from fixboard.accounts.apikeys import issue_api_key
from fixboard.reports.actions import add_update
from fixboard.reports.models import CloseReason, Event, Status
from tests.factories import make_city, submit_pothole

from .conftest import check_json, check_xml, xml_records

pytestmark = pytest.mark.django_db

URL = "/open311/v2/servicerequestupdates.json"


def post_update(client, api_key, request, expect=200, **fields):
    data = {
        "api_key": api_key,
        "service_request_id": request.public_id,
        "update_id": "crm-1",
        "status": "FIXED",
        "updated_datetime": (timezone.now() - timedelta(minutes=5)).isoformat(),
        "description": "Filled with asphalt.",
        **fields,
    }
    response = client.post(URL, {k: v for k, v in data.items() if v is not None})
    assert response.status_code == expect, response.content
    body = orjson.loads(response.content)
    check_json("posted_updates" if expect == 200 else "errors", body, error=expect != 200)
    return body


def test_a_crm_closes_a_request_once_per_update_id(client, city, api_key):
    request = submit_pothole(city)
    assert post_update(client, api_key, request) == [{"update_id": "crm-1"}]
    request.refresh_from_db()
    assert (request.status, request.close_reason) == (Status.CLOSED, CloseReason.FIXED)
    assert request.status_notes == "Filled with asphalt."
    event = request.events.get(kind=Event.Kind.STATUS_CHANGED)
    assert (event.external_id, event.actor_system) == ("crm-1", "open311:Test app")
    # The CRM retries: nothing new happens.
    assert post_update(client, api_key, request) == [{"update_id": "crm-1"}]
    assert request.events.filter(external_id="crm-1").count() == 1
    record = orjson.loads(client.get(f"/open311/v2/requests/{request.public_id}.json").content)
    assert record[0]["status"] == "closed"


def test_notes_reopening_and_unchanged(client, city, api_key):
    request = submit_pothole(city)
    post_update(client, api_key, request, update_id="u1", status="UNCHANGED", description="Seen")
    assert request.events.get(external_id="u1").kind == Event.Kind.PUBLIC_UPDATE
    post_update(client, api_key, request, update_id="u2", status="INVESTIGATING")
    request.refresh_from_db()
    assert request.status == Status.ACKNOWLEDGED
    post_update(client, api_key, request, update_id="u3", status="NO_FURTHER_ACTION")
    request.refresh_from_db()
    assert request.close_reason == CloseReason.NOT_ACTIONABLE
    post_update(client, api_key, request, update_id="u4", status="REOPEN", description="Back")
    request.refresh_from_db()
    assert request.status == Status.NEW
    # "open" on an open request keeps it as it is and records the note.
    post_update(client, api_key, request, update_id="u5", status="open", description="Still")
    assert request.events.get(external_id="u5").kind == Event.Kind.PUBLIC_UPDATE


@pytest.mark.parametrize(
    ("fields", "expect", "text"),
    [
        ({"status": "SOLVED"}, 400, "SOLVED is not an extended status"),
        ({"update_id": None}, 400, "update_id is required"),
        ({"updated_datetime": "yesterday"}, 400, "is not a W3C date-time"),
        ({"updated_datetime": "2999-01-01T00:00:00Z"}, 400, "is in the future"),
        ({"service_request_id": "NOPE-NOPE"}, 404, "no request NOPE-NOPE"),
        ({"key": "wrong"}, 403, "Invalid api_key"),
    ],
)
def test_bad_updates(client, city, api_key, fields, expect, text):
    request = submit_pothole(city)
    key = fields.pop("key", api_key)
    body = post_update(client, key, request, expect=expect, **fields)
    assert text in " ".join(e["description"] for e in body)
    request.refresh_from_db()
    assert request.status == Status.NEW


def test_reading_updates(client, city, api_key):
    request = submit_pothole(city)
    add_update(request=request, text="Crew booked for Monday", actor="staff")
    add_update(request=request, text="Private: the crew lead is on leave", actor="s", public=False)
    post_update(
        client,
        api_key,
        request,
        update_id="crm-9",
        status="FIXED",
        description="",
        updated_datetime=timezone.now().isoformat(),
    )
    data = orjson.loads(client.get(URL).content)
    check_json("updates", data)
    assert [(u["status"], u["description"]) for u in data] == [
        ("open", "Crew booked for Monday"),
        ("fixed", "Status changed to closed (fixed)"),
    ]
    assert data[1]["external_status_code"] == "closed:fixed"
    assert all(u["service_request_id"] == request.public_id for u in data)
    tree = check_xml(
        client.get("/open311/v2/servicerequestupdates.xml").content,
        "service_request_updates",
        "request_update",
    )
    assert [r["status"] for r in xml_records(tree)] == ["open", "fixed"]
    window = {
        "start_date": (timezone.now() - timedelta(days=2)).isoformat(),
        "end_date": (timezone.now() - timedelta(days=1)).isoformat(),
    }
    assert orjson.loads(client.get(URL, window).content) == []
    assert client.get(URL, {"api_key": "wrong"}).status_code == 403


def test_the_crm_may_update_a_hidden_request(client, city, api_key):
    from fixboard.reports.models import ServiceRequest

    request = submit_pothole(city)
    ServiceRequest.objects.filter(pk=request.pk).update(hidden=True)
    post_update(client, api_key, request, update_id="h-1", status="CANCELLED")
    request.refresh_from_db()
    assert request.close_reason == CloseReason.CANCELLED
    assert orjson.loads(client.get(URL).content) == []  # still not public


def test_media_url_of_an_update_is_kept_and_served(client, city, api_key):
    request = submit_pothole(city)
    photo = "https://crm.example.org/photos/4711.jpg"
    post_update(client, api_key, request, update_id="m1", media_url=photo)
    event = request.events.get(external_id="m1")
    assert (event.kind, event.data) == (Event.Kind.STATUS_CHANGED, {"media_url": photo})
    # A photo link alone is an update too.
    later = (timezone.now() - timedelta(minutes=1)).isoformat()
    post_update(
        client,
        api_key,
        request,
        update_id="m2",
        status="UNCHANGED",
        description="",
        media_url="http://crm.example.org/photos/4712.jpg",
        updated_datetime=later,
    )
    assert request.events.get(external_id="m2").kind == Event.Kind.PUBLIC_UPDATE

    data = orjson.loads(client.get(URL).content)
    check_json("updates", data)
    assert [u["media_url"] for u in data] == [photo, "http://crm.example.org/photos/4712.jpg"]
    tree = check_xml(
        client.get("/open311/v2/servicerequestupdates.xml").content,
        "service_request_updates",
        "request_update",
    )
    assert [r["media_url"] for r in xml_records(tree)] == [u["media_url"] for u in data]

    path = f"/open311/v2/requests/{request.public_id}"
    record = orjson.loads(client.get(f"{path}.json", {"extensions": "true"}).content)
    check_json("request", record)
    notes = record[0]["notes"]
    # The CRM's updates are dated before the request was submitted here: they come first.
    assert [(n["type"], n.get("media_url")) for n in notes] == [
        ("status_changed", photo),
        ("public_update", data[1]["media_url"]),
        ("submitted", None),
    ]
    tree = check_xml(
        client.get(f"{path}.xml", {"extensions": "true"}).content, "service_requests", "request"
    )
    assert tree.find("request/notes/note[1]/media_url").text == photo


@pytest.mark.parametrize(
    ("media_url", "text"),
    [
        ("ftp://crm.example.org/4711.jpg", "is not an http(s) URL"),
        ("not a url", "is not an http(s) URL"),
        ("https://crm.example.org/" + "x" * 500, "keep the URL under 500 characters"),
    ],
)
def test_bad_media_url_of_an_update_is_a_400(client, city, api_key, media_url, text):
    request = submit_pothole(city)
    body = post_update(client, api_key, request, expect=400, media_url=media_url)
    assert text in body[0]["description"]
    assert not request.events.filter(external_id="crm-1").exists()


def test_an_update_dated_at_the_end_of_the_calendar_is_a_400(client, city, api_key):
    request = submit_pothole(city)
    for moment in ("9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00"):
        body = post_update(client, api_key, request, expect=400, updated_datetime=moment)
        assert body[0]["description"].startswith(f"updated_datetime: {moment} is out of range")
    assert not request.events.filter(external_id="crm-1").exists()


def test_a_key_of_another_city_cannot_update_a_request(client, city):
    request = submit_pothole(city)
    other = make_city()
    _, foreign_key = issue_api_key(name="Elsewhere", jurisdiction_slugs=[other.jurisdiction.slug])

    # Under its own city the request is not found; under ours the key is refused.
    post_update(client, foreign_key, request, expect=404, jurisdiction_id=other.jurisdiction.slug)
    body = post_update(
        client, foreign_key, request, expect=403, jurisdiction_id=city.jurisdiction.slug
    )

    assert "may not be used for" in body[0]["description"]
    assert not request.events.filter(external_id="crm-1").exists()
