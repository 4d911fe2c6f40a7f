"""GET requests: filters, windows, paging, extensions, and what is never served."""

from datetime import timedelta
from io import BytesIO

import orjson
import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

from fixboard.catalog.models import ServiceType
from fixboard.open311 import selectors
from fixboard.reports.actions import transition
from fixboard.reports.models import CloseReason, ServiceRequest, Status
from tests.factories import INSIDE_EAST, INSIDE_WEST, make_city, submit_pothole

from .conftest import check_json

pytestmark = pytest.mark.django_db


def listed(client, expect=200, **params):
    response = client.get("/open311/v2/requests.json", params)
    assert response.status_code == expect, response.content
    data = orjson.loads(response.content)
    if expect == 200:
        check_json("requests", data)
        return [r["service_request_id"] for r in data]
    check_json("errors", data, error=True)
    return " | ".join(e["description"] for e in data)


def ago(**delta):
    return timezone.now() - timedelta(**delta)


def test_default_window_is_the_last_90_days(client, city):
    recent = submit_pothole(city, requested_at=ago(days=10))
    old = submit_pothole(city, requested_at=ago(days=100))
    assert listed(client) == [recent.public_id]
    # service_request_id overrides every other parameter, the window included.
    both = listed(client, service_request_id=f"{old.public_id},{recent.public_id}", status="open")
    assert set(both) == {old.public_id, recent.public_id}


def test_dates_are_checked(client, city):
    old = submit_pothole(city, requested_at=ago(days=100))
    start = (old.requested_at - timedelta(hours=1)).isoformat()
    assert listed(client, start_date=start) == [old.public_id]
    assert listed(client, end_date=(old.requested_at + timedelta(hours=1)).isoformat()) == [
        old.public_id
    ]
    assert "span at most 90 days; these span 91" in listed(
        client, 400, start_date="2024-01-01T00:00:00Z", end_date="2024-04-01T00:00:00Z"
    )
    assert "end_date is before start_date" in listed(
        client, 400, start_date="2024-02-01T00:00:00Z", end_date="2024-01-01T00:00:00Z"
    )
    assert "start_date: 2024-13-45 is not a W3C date-time" in listed(
        client, 400, start_date="2024-13-45"
    )
    # An unencoded "+" arrives as a space; a date alone means local midnight.
    assert listed(client, start_date="2024-01-01T00:00:00 05:00") == []
    assert listed(client, start_date="2024-01-01", end_date="") == []


def test_service_code_and_status_filters(client, city):
    pothole = submit_pothole(city)
    closed = submit_pothole(city)
    transition(request=closed, to_status=Status.CLOSED, close_reason=CloseReason.FIXED, actor="t")
    from fixboard.reports.actions import submit_request

    bulky = submit_request(
        service_type=city.bulky,
        lat=INSIDE_EAST[0],
        long=INSIDE_EAST[1],
        attributes={"items": 3},
        actor=None,
    )
    assert set(listed(client, service_code="bulky-items")) == {bulky.public_id}
    assert set(listed(client, service_code="bulky-items,pothole")) == {
        bulky.public_id,
        pothole.public_id,
        closed.public_id,
    }
    assert set(listed(client, status="closed")) == {closed.public_id}
    assert set(listed(client, status="open", service_code="pothole")) == {pothole.public_id}
    assert set(listed(client, status="open,closed")) == {
        bulky.public_id,
        pothole.public_id,
        closed.public_id,
    }
    assert "no service nope here" in listed(client, 400, service_code="nope")
    assert "status: pending is not open or closed" in listed(client, 400, status="pending")


def test_pages(client, city):
    made = [submit_pothole(city, requested_at=ago(hours=i)) for i in range(7)]
    newest_first = [r.public_id for r in made]
    assert listed(client) == newest_first
    assert listed(client, page_size=3) == newest_first[:3]
    assert listed(client, page=2, page_size=3) == newest_first[3:6]
    assert listed(client, page=3, page_size=3) == newest_first[6:]
    assert listed(client, page=4, page_size=3) == []
    assert listed(client, page=1) == newest_first  # pages of 50 by default
    assert "page_size must be a whole number from 1 to 1000" in listed(client, 400, page_size=5000)
    assert "page must be a whole number" in listed(client, 400, page="two")


def test_updated_after_and_before(client, city):
    quiet = submit_pothole(city, requested_at=ago(days=200))
    busy = submit_pothole(city, requested_at=ago(days=200))
    transition(request=busy, to_status=Status.IN_PROGRESS, actor="t", at=ago(hours=1))
    since = ago(days=1).isoformat()
    assert listed(client, updated_after=since) == [busy.public_id]
    assert listed(client, updated_before=since) == [quiet.public_id]
    # The same question with other dates (compiled once, run with each call's values).
    assert set(listed(client, updated_after=ago(days=300).isoformat())) == {
        quiet.public_id,
        busy.public_id,
    }
    assert listed(client, updated_before=ago(days=300).isoformat()) == []


def test_lat_long_radius_and_area(client, city):
    west = submit_pothole(city, at=INSIDE_WEST)
    near = submit_pothole(city, at=(INSIDE_WEST[0] + 0.001, INSIDE_WEST[1]))  # ~111 m north
    east = submit_pothole(city, at=INSIDE_EAST)
    lat, long = INSIDE_WEST
    assert set(listed(client, lat=lat, long=long, radius=50)) == {west.public_id}
    assert set(listed(client, lat=lat, long=long, radius=200)) == {west.public_id, near.public_id}
    assert set(listed(client, lat=lat, long=long)) == {west.public_id, near.public_id}
    assert set(listed(client, area="2")) == {east.public_id}
    assert set(listed(client, area="ward:1")) == {west.public_id, near.public_id}
    assert "no area ward:9" in listed(client, 400, area="ward:9")
    assert "Give both lat and long" in listed(client, 400, lat=lat)
    assert "lat must be a number from -90 to 90" in listed(client, 400, lat=91, long=0)
    assert "radius must be a number" in listed(client, 400, lat=lat, long=long, radius=-5)


def test_hidden_unconfirmed_and_private_are_never_served(client, city):
    shown = submit_pothole(city)
    hidden = submit_pothole(city)
    ServiceRequest.objects.filter(pk=hidden.pk).update(hidden=True)
    waiting = submit_pothole(city, awaiting_confirmation=True)
    private = ServiceType.objects.create(
        jurisdiction=city.jurisdiction, code="internal", name="Internal", public=False
    )
    from fixboard.reports.actions import submit_request

    secret = submit_request(service_type=private, lat=34.05, long=-118.25, actor=None)
    assert listed(client) == [shown.public_id]
    ids = ",".join(r.public_id for r in (shown, hidden, waiting, secret))
    assert listed(client, service_request_id=ids) == [shown.public_id]
    for request in (hidden, waiting, secret):
        response = client.get(f"/open311/v2/requests/{request.public_id}.json")
        assert response.status_code == 404
    assert "no service internal" in listed(client, 400, service_code="internal")


def test_ids_forgive_case_and_accept_source_ids(client, city):
    request = submit_pothole(city)
    ServiceRequest.objects.filter(pk=request.pk).update(source_id="14-01100669")
    typed = request.public_id.lower().replace("-", "")
    for given in (typed, "14-01100669"):
        response = client.get(f"/open311/v2/requests/{given}.json")
        assert orjson.loads(response.content)[0]["service_request_id"] == request.public_id


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_one_request_with_photos_is_two_queries_with_its_first_visible_photo(
    client, city, settings, fmt
):
    settings.CONFIGURATION_CACHE_SECONDS = 60
    request = submit_pothole(city, photos=[(_png("red"), "a.png"), (_png("blue"), "b.png")])
    first = request.photos.order_by("id").first()
    url = f"/open311/v2/requests/{request.public_id}.{fmt}"
    client.get(url)  # the process reads the jurisdictions once
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    assert len(queries.captured_queries) == 2  # the request, then its photo (none: one query)
    assert first.image.url in response.content.decode()
    first.hidden = True
    first.save(update_fields=["hidden"])
    second = request.photos.order_by("id").last()
    assert second.image.url in client.get(url).content.decode()


def _png(color: str) -> bytes:
    out = BytesIO()
    Image.new("RGB", (4, 4), color).save(out, "PNG")
    return out.getvalue()


def test_extensions_cost_a_fixed_number_of_queries(client, city):
    def count(n):
        for _ in range(n):
            request = submit_pothole(city)
            transition(request=request, to_status=Status.ACKNOWLEDGED, actor="t", note="Seen")
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/open311/v2/requests.json", {"extensions": "true"})
        assert response.status_code == 200
        return len(queries.captured_queries)

    count(0)  # the configuration is held from now on
    few = count(2)
    many = count(20)
    assert few == many <= 9


def test_default_window_query_uses_the_jurisdiction_time_index(city):
    from .test_live import many_requests

    other = make_city()
    many_requests(city, 1500)
    many_requests(other, 1500)
    query = selectors.RequestQuery(requested_from=ago(days=90), requested_to=timezone.now())
    queryset = selectors._filtered(city.jurisdiction, query).order_by("-requested_at", "-id")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        if connection.vendor == "postgresql":
            # Test tables are small enough that reading a whole jurisdiction and sorting it
            # wins; with a city's millions of rows it does not. Plan as for those.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_sort = off")
        plan = queryset[:1000].explain()
    assert "sr_juris_requested" in plan, plan


def test_several_jurisdictions_stay_apart(client, city):
    mine = submit_pothole(city)
    other = make_city()
    submit_pothole(other)
    ids = listed(client, jurisdiction_id=city.jurisdiction.slug)
    assert ids == [mine.public_id]


EXTREMES = [
    ("start_date", "9999-12-31T23:59:59Z"),
    ("end_date", "0001-01-01T00:00:00Z"),
    ("updated_after", "0001-01-01T00:00:00+14:00"),
    ("updated_before", "9999-12-31T23:59:59-12:00"),
    ("start_date", "0001-01-01"),
    ("end_date", "9999-12-31"),
]


@pytest.mark.parametrize(
    ("resource", "name", "value"),
    [("requests", *extreme) for extreme in EXTREMES]
    # Updates are filtered by start_date and end_date only.
    + [("servicerequestupdates", *e) for e in EXTREMES if not e[0].startswith("updated_")],
)
def test_dates_at_the_ends_of_the_calendar_are_a_400_not_a_500(client, city, resource, name, value):
    submit_pothole(city)
    for fmt in ("json", "xml"):
        response = client.get(f"/open311/v2/{resource}.{fmt}", {name: value})
        assert response.status_code == 400, response.content
        if fmt == "json":
            body = orjson.loads(response.content)
            check_json("errors", body, error=True)
            assert body[0]["description"].startswith(f"{name}: {value} is out of range")
        else:
            assert b"<errors><error><code>400</code>" in response.content
    near_the_end = {
        name: value.replace("9999-12-31", "9998-12-30").replace("0001-01-01", "0002-01-02")
    }
    assert client.get(f"/open311/v2/{resource}.json", near_the_end).status_code == 200
