"""Small answers cost little: services and definitions come from the configuration cache,
a filtered page is one query, and pollers get 304 with ETag / Last-Modified."""

from datetime import datetime, timedelta

import orjson
import pytest
from django.utils import timezone
from django.utils.http import http_date, parse_http_date

from fixboard.catalog.actions import save_service_type
from fixboard.reports.actions import transition
from fixboard.reports.models import CloseReason, Status
from tests.factories import submit_pothole

from .conftest import check_json, check_xml

pytestmark = pytest.mark.django_db

BASE = "/open311/v2"


def get(client, path, headers=None, **params):
    return client.get(f"{BASE}/{path}", params, headers=headers or {})


@pytest.fixture
def cached(settings):
    """Configuration kept for a minute, as deployed (the tests' default reads it each time)."""
    settings.CONFIGURATION_CACHE_SECONDS = 60


@pytest.mark.parametrize("path", ["services.json", "services.xml", "services/pothole.json"])
def test_configuration_answers_cost_no_query_once_read(
    client, city, cached, path, django_assert_num_queries
):
    first = get(client, path)
    assert first.status_code == 200
    with django_assert_num_queries(0):
        again = get(client, path)
    assert again.content == first.content
    assert again["ETag"] == first["ETag"]


def test_a_catalog_change_reaches_the_services_answer(
    client, city, cached, django_capture_on_commit_callbacks
):
    before = get(client, "services.json")
    with django_capture_on_commit_callbacks(execute=True):
        save_service_type(actor="test", data={"name": "Road hole"}, service_type=city.pothole)
    after = get(client, "services.json", headers={"If-None-Match": before["ETag"]})
    assert after.status_code == 200
    assert "Road hole" in [s["service_name"] for s in orjson.loads(after.content)]
    assert after["ETag"] != before["ETag"]
    check_json("services", orjson.loads(after.content))


@pytest.mark.parametrize(
    "path,root",
    [("services.xml", "services"), ("services/pothole.xml", "service_definition")],
)
def test_configuration_answers_answer_304_to_a_current_etag(client, city, path, root):
    first = get(client, path)
    check_xml(first.content, root)
    assert first["Cache-Control"] == "no-cache"
    again = get(client, path, headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == first["ETag"]
    other = get(client, path.replace(".xml", ".json"), headers={"If-None-Match": first["ETag"]})
    assert other.status_code == 200, "each format is its own representation"


def test_an_unknown_service_definition_is_still_a_404(client, city):
    response = get(client, "services/nope.json")
    assert response.status_code == 404
    assert "nope" in orjson.loads(response.content)[0]["description"]


def test_a_polled_list_answers_304_until_a_request_in_it_changes(client, city):
    request = submit_pothole(city)
    first = get(client, "requests.json")
    assert len(orjson.loads(first.content)) == 1
    updated = orjson.loads(first.content)[0]["updated_datetime"]
    assert parse_http_date(first["Last-Modified"]) == int(
        datetime.fromisoformat(updated).timestamp()
    )
    current = {"If-None-Match": first["ETag"]}
    assert get(client, "requests.json", headers=current).status_code == 304
    assert get(client, "requests.xml", headers=current).status_code == 200

    transition(request=request, to_status=Status.IN_PROGRESS, actor="test", note="On the way")
    changed = get(client, "requests.json", headers=current)
    assert changed.status_code == 200
    assert orjson.loads(changed.content)[0]["status_notes"] == "On the way"


def test_a_request_leaving_a_filtered_list_is_not_hidden_by_a_304(client, city):
    """status=open, by date alone: the closed request left the answer, whose newest update
    is older than the client's copy; the city's own last change still says "changed"."""
    kept, leaving = submit_pothole(city), submit_pothole(city, description="Second hole")
    transition(request=kept, to_status=Status.IN_PROGRESS, actor="test")  # now the newest
    first = get(client, "requests.json", status="open")
    assert len(orjson.loads(first.content)) == 2
    since = {"If-Modified-Since": first["Last-Modified"]}
    assert get(client, "requests.json", headers=since, status="open").status_code == 304

    later = http_date(parse_http_date(first["Last-Modified"]) + 5)
    transition(
        request=leaving,
        to_status=Status.CLOSED,
        close_reason=CloseReason.FIXED,
        actor="test",
        at=timezone.now() + timedelta(seconds=10),
    )
    answer = get(client, "requests.json", headers={"If-Modified-Since": later}, status="open")
    assert answer.status_code == 200
    assert [r["service_request_id"] for r in orjson.loads(answer.content)] == [kept.public_id]


def test_one_request_answers_304_by_date_and_by_etag(client, city):
    request = submit_pothole(city)
    path = f"requests/{request.public_id}.json"
    first = get(client, path)
    assert parse_http_date(first["Last-Modified"]) == int(request.updated_at.timestamp())
    assert get(client, path, headers={"If-None-Match": first["ETag"]}).status_code == 304
    assert (
        get(client, path, headers={"If-Modified-Since": first["Last-Modified"]}).status_code == 304
    )
    head = client.head(f"{BASE}/{path}", headers={"If-None-Match": first["ETag"]})
    assert head.status_code == 304


def test_a_filtered_small_page_is_one_query(client, city, cached, django_assert_num_queries):
    for n in range(3):
        submit_pothole(city, description=f"Hole {n}")
    params = {"service_code": "pothole", "status": "open", "page_size": "20"}
    assert len(orjson.loads(get(client, "requests.json", **params).content)) == 3
    with django_assert_num_queries(1):
        again = get(client, "requests.json", **params)
    assert len(orjson.loads(again.content)) == 3


def test_polled_updates_answer_304_by_etag_until_a_new_update(client, city):
    request = submit_pothole(city)
    transition(request=request, to_status=Status.ACKNOWLEDGED, actor="test", note="Seen")
    first = get(client, "servicerequestupdates.json")
    assert len(orjson.loads(first.content)) == 1
    current = {"If-None-Match": first["ETag"]}
    assert get(client, "servicerequestupdates.json", headers=current).status_code == 304
    by_date = {"If-Modified-Since": first["Last-Modified"]}
    assert get(client, "servicerequestupdates.json", headers=by_date).status_code == 200

    transition(request=request, to_status=Status.IN_PROGRESS, actor="test", note="On the way")
    changed = get(client, "servicerequestupdates.json", headers=current)
    assert changed.status_code == 200
    assert len(orjson.loads(changed.content)) == 2
