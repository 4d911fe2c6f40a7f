"""An outside client over real HTTP: discover, browse, post with a photo, poll, read, filter,
page through 5,000 requests, and see a CRM's update land."""

import io
import json
import secrets
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image

from fixboard.catalog.models import ServiceType
from fixboard.open311.loading import load_requests
from fixboard.reports.models import ServiceRequest
from tests.factories import INSIDE_WEST

from .conftest import PHOTOS, check_json

pytestmark = pytest.mark.django_db(transaction=True)


def fetch(url: str, data: bytes | None = None, headers: dict | None = None):
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def get_json(url: str, **params):
    query = f"?{urllib.parse.urlencode(params)}" if params else ""
    status, headers, body = fetch(url + query)
    assert status == 200, body
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    return json.loads(body)


def multipart(fields: list[tuple[str, str]], files: list[tuple[str, str, bytes, str]]):
    boundary = secrets.token_hex(16)
    parts = []
    for name, value in fields:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
            f"{value}\r\n".encode()
        )
    for name, filename, content, kind in files:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: {kind}\r\n\r\n'.encode()
            + content
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def many_requests(city, count: int) -> None:
    """`count` requests through the bulk import path, 5 to each timestamp (ties on purpose)."""
    now = timezone.now()
    records = [
        {
            "service_request_id": f"BULK-{n}",
            "status": "open" if n % 3 else "closed",
            "service_code": "pothole",
            "service_name": "Pothole",
            "requested_datetime": (now - timedelta(minutes=10 + n // 5)).isoformat(),
            "lat": INSIDE_WEST[0] + (n % 100) * 1e-4,
            "long": INSIDE_WEST[1],
            "description": f"Bulk pothole {n}",
        }
        for n in range(count)
    ]
    result = load_requests(jurisdiction=city.jurisdiction, requests=records)
    assert result.created == count


def test_an_outside_client_end_to_end(live_server, city, api_key):
    ServiceType.objects.filter(pk=city.bulky.pk).update(type=ServiceType.Type.BATCH)
    discovery = get_json(f"{live_server.url}/open311/v2/discovery.json")
    check_json("discovery", discovery)
    base = discovery["endpoints"][0]["url"]
    assert base == f"{live_server.url}/open311/v2"

    services = get_json(f"{base}/services.json")
    check_json("services", services)
    pothole = next(s for s in services if s["service_name"] == "Pothole")
    assert pothole["metadata"] is True
    definition = get_json(f"{base}/services/{pothole['service_code']}.json")
    check_json("service", definition)
    depth = definition["attributes"][0]
    answer = depth["values"][1]["key"]

    # Post with an answer and a photo; the photo's GPS (Italy) is not where the hole is.
    photo = PHOTOS / "DSCN0021.jpg"
    body, kind = multipart(
        [
            ("api_key", api_key),
            ("service_code", pothole["service_code"]),
            ("lat", str(INSIDE_WEST[0])),
            ("long", str(INSIDE_WEST[1])),
            (f"attribute[{depth['code']}]", answer),
            ("description", "Deep pothole, cyclists swerve into traffic"),
        ],
        [("media", photo.name, photo.read_bytes(), "image/jpeg")],
    )
    status, _headers, created = fetch(
        f"{base}/requests.json", body, {"Content-Type": kind, "Idempotency-Key": "live-1"}
    )
    assert status == 200, created
    created = json.loads(created)
    check_json("post", created, method="post")
    request_id = created[0]["service_request_id"]
    status, _headers, again = fetch(
        f"{base}/requests.json", body, {"Content-Type": kind, "Idempotency-Key": "live-1"}
    )
    assert json.loads(again) == created

    # A batch service answers a token; poll it until it names the request.
    form = urllib.parse.urlencode(
        {
            "api_key": api_key,
            "service_code": "bulky-items",
            "lat": INSIDE_WEST[0],
            "long": INSIDE_WEST[1],
            "attribute[items]": "2",
        }
    ).encode()
    status, _headers, tokened = fetch(f"{base}/requests.xml", form)
    assert status == 200 and b"<token>" in tokened
    token = tokened.split(b"<token>")[1].split(b"</token>")[0].decode()
    for _attempt in range(20):
        resolved = get_json(f"{base}/tokens/{token}.json")
        if resolved[0]["service_request_id"]:
            break
        time.sleep(0.1)
    check_json("token", resolved)
    assert resolved[0]["service_request_id"]

    # Read it back.
    record = get_json(f"{base}/requests/{request_id}.json", extensions="true")
    check_json("request", record)
    record = record[0]
    assert record["description"] == "Deep pothole, cyclists swerve into traffic"
    assert (record["lat"], record["long"]) == INSIDE_WEST
    assert record["attributes"][0]["code"] == answer
    assert record["media_url"].startswith(f"{live_server.url}/media/photos/")
    status, headers, image = fetch(record["media_url"])
    assert (status, headers["Content-Type"]) == (200, "image/jpeg")
    assert b"DSCN0021" not in image and "DSCN0021" not in record["media_url"]
    assert len(record["extended_attributes"]["photos"]) == 1

    # Filter.
    found = get_json(f"{base}/requests.json", service_code="bulky-items", status="open")
    assert [r["service_request_id"] for r in found] == [resolved[0]["service_request_id"]]

    # Page through 5,000 more, 500 at a time: every one exactly once.
    many_requests(city, 5000)
    seen = []
    page = 1
    while True:
        rows = get_json(f"{base}/requests.json", page=page, page_size=500)
        if not rows:
            break
        assert len(rows) <= 500
        seen.extend(r["service_request_id"] for r in rows)
        page += 1
    assert len(seen) == len(set(seen)) == 5002
    assert page == 12

    # The city's CRM closes the first request; clients see it.
    form = urllib.parse.urlencode(
        {
            "api_key": api_key,
            "service_request_id": request_id,
            "update_id": "crm-77",
            "status": "FIXED",
            "updated_datetime": timezone.now().isoformat(),
            "description": "Patched",
        }
    ).encode()
    status, _headers, posted = fetch(f"{base}/servicerequestupdates.json", form)
    assert status == 200, posted
    assert json.loads(posted) == [{"update_id": "crm-77"}]
    record = get_json(f"{base}/requests/{request_id}.json")[0]
    assert (record["status"], record["status_notes"]) == ("closed", "Patched")
    since = (timezone.now() - timedelta(minutes=1)).isoformat()
    updates = get_json(f"{base}/servicerequestupdates.json", start_date=since)
    check_json("updates", updates)
    assert updates[-1]["status"] == "fixed"
    assert updates[-1]["service_request_id"] == request_id


def test_simultaneous_retries_make_one_request(live_server, city, api_key):
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    from fixboard.reports.models import ServiceRequest

    form = urllib.parse.urlencode(
        {
            "api_key": api_key,
            "service_code": "pothole",
            "lat": INSIDE_WEST[0],
            "long": INSIDE_WEST[1],
            "attribute[depth]": "deep",
        }
    ).encode()
    url = f"{live_server.url}/open311/v2/requests.json"

    def send(_n):
        # As a client should: a 503 (SQLite's lock queue) is retried after a moment.
        for _attempt in range(20):
            answer = fetch(url, form, {"Idempotency-Key": "flaky-network-1"})
            if answer[0] != 503:
                return answer
            time.sleep(0.05)
        return answer

    # The live server shares pytest's in-memory SQLite connection between its threads, so
    # only PostgreSQL can take the retries truly at the same time; SQLite takes them in turn.
    workers = 6 if connection.vendor == "postgresql" else 1
    with ThreadPoolExecutor(max_workers=workers) as pool:
        answers = list(pool.map(send, range(6)))
    # A retry that arrives while the first is being written waits for it, then gets its answer.
    assert [status for status, _headers, _body in answers] == [200] * 6
    ids = {json.loads(body)[0]["service_request_id"] for _status, _headers, body in answers}
    assert len(ids) == 1
    assert ServiceRequest.objects.count() == 1
    # Once written, every retry gets the same answer.
    status, _headers, body = send(0)
    assert json.loads(body)[0]["service_request_id"] in ids


def test_photos_beyond_the_limits_are_refused_before_they_are_decoded(live_server, city, api_key):
    """99 large photos used to hold a worker until gunicorn killed it."""
    fields = [
        ("api_key", api_key),
        ("service_code", "pothole"),
        ("lat", str(INSIDE_WEST[0])),
        ("long", str(INSIDE_WEST[1])),
        ("attribute[depth]", "deep"),
    ]
    photo = (PHOTOS / "DSCN0021.jpg").read_bytes()
    # Tiny files that would each decode to 30 megapixels: under every limit one by one.
    flat = io.BytesIO()
    Image.new("1", (6000, 5000)).save(flat, "PNG", optimize=True)
    for files, message in [
        ([("media", f"{n}.jpg", photo, "image/jpeg") for n in range(99)], "send at most 5"),
        (
            [("media", f"{n}.png", flat.getvalue(), "image/png") for n in range(5)],
            "send at most 100 megapixels in all",
        ),
    ]:
        body, kind = multipart(fields, files)
        started = time.monotonic()
        status, _headers, answer = fetch(
            f"{live_server.url}/open311/v2/requests.json", body, {"Content-Type": kind}
        )
        assert time.monotonic() - started < 2
        assert status == 400
        assert message in json.loads(answer)[0]["description"]
    assert not ServiceRequest.objects.exists()
