from datetime import timedelta

import pytest
from django.utils import timezone

from fixboard.reports.actions import add_update, transition
from fixboard.reports.models import ServiceRequest, Status
from tests.factories import INSIDE_EAST, UserFactory, submit_pothole

pytestmark = pytest.mark.django_db


def ids(response):
    return [item["id"] for item in response.json()["items"]]


def test_list_shows_public_requests_newest_first(client, city):
    older = submit_pothole(city, requested_at=timezone.now() - timedelta(hours=1))
    newer = submit_pothole(city, at=INSIDE_EAST)

    response = client.get("/api/v1/requests")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert ids(response) == [newer.public_id, older.public_id]
    item = response.json()["items"][0]
    assert item["service_code"] == "pothole"
    assert item["jurisdiction"] == city.jurisdiction.slug
    assert item["url"] == f"http://testserver/requests/{newer.public_id}/"
    assert response.json()["next_cursor"] is None


def test_pages_follow_each_other_without_gaps_or_repeats_while_requests_arrive(client, city):
    start = timezone.now() - timedelta(days=1)
    made = {
        submit_pothole(city, requested_at=start + timedelta(minutes=i // 3)).public_id
        for i in range(11)
    }
    seen, url = [], "/api/v1/requests?limit=4"
    while url:
        body = client.get(url).json()
        seen += [item["id"] for item in body["items"]]
        submit_pothole(city)  # a new report while the client pages
        url = body["next_cursor"] and f"/api/v1/requests?limit=4&cursor={body['next_cursor']}"
    assert len(seen) == len(set(seen)) == 11
    assert set(seen) == made


def test_sync_order_by_update_sees_changed_requests_again_at_the_end(client, city):
    first, second = submit_pothole(city), submit_pothole(city)
    page = client.get("/api/v1/requests?sort=updated_at&limit=1").json()
    assert ids_of(page) == [first.public_id]
    add_update(
        request=first,
        text="Crew on the way",
        actor=UserFactory(
            role="staff", jurisdictions=[city.jurisdiction], departments=[city.streets, city.parks]
        ),
    )
    rest = client.get(f"/api/v1/requests?sort=updated_at&cursor={page['next_cursor']}").json()
    assert ids_of(rest) == [second.public_id, first.public_id]


def ids_of(body):
    return [item["id"] for item in body["items"]]


def test_filters(client, city):
    west = submit_pothole(city, requested_at=timezone.now() - timedelta(hours=1))
    east = submit_pothole(city, at=INSIDE_EAST)
    transition(request=east, to_status=Status.CLOSED, close_reason="fixed", actor="city")

    def listed(query):
        response = client.get(f"/api/v1/requests?{query}")
        assert response.status_code == 200, response.content
        return set(ids(response))

    assert listed(f"area={city.east.pk}") == {east.public_id}
    assert listed("bbox=-118.3,34.0,-118.2,34.1") == {west.public_id}
    assert listed("status=open") == {west.public_id}
    assert listed("status=closed,new") == {west.public_id, east.public_id}
    assert listed("status=closed&status=new") == {west.public_id, east.public_id}
    assert listed("service=bulky-items") == set()
    assert listed(f"jurisdiction={city.jurisdiction.slug}&service=pothole") == {
        west.public_id,
        east.public_id,
    }
    east.refresh_from_db()
    after = (east.updated_at - timedelta(minutes=1)).isoformat().replace("+", "%2B")
    assert listed(f"updated_after={after}") == {east.public_id}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("bbox=1,2,3", "bbox"),
        ("bbox=10,0,5,1", "bbox"),
        ("status=lost", "status.0"),
        ("limit=0", "limit"),
        ("limit=5000", "limit"),
        ("area=-1", "area"),
        ("area=99999999999999999999999", "area"),
        ("updated_after=yesterday", "updated_after"),
        ("sort=random", "sort"),
    ],
)
def test_bad_filters_get_a_field_error(client, db, query, field):
    response = client.get(f"/api/v1/requests?{query}")
    assert response.status_code == 422
    body = response.json()
    assert body["status"] == 422
    assert field in body["errors"], body


def test_a_damaged_or_foreign_cursor_is_a_400(client, city):
    for _ in range(3):
        submit_pothole(city)
    cursor = client.get("/api/v1/requests?limit=1").json()["next_cursor"]
    for query in ("cursor=abc", f"cursor={cursor}x", f"cursor={cursor}&sort=-updated_at"):
        response = client.get(f"/api/v1/requests?{query}")
        assert response.status_code == 400, query
        assert response.json()["title"]


def test_list_reads_a_page_in_a_constant_number_of_queries(
    client, city, django_assert_max_num_queries
):
    for _ in range(30):
        submit_pothole(city)
    with django_assert_max_num_queries(1):
        response = client.get("/api/v1/requests?limit=200")
    assert len(response.json()["items"]) == 30


def test_detail_has_timeline_areas_and_public_fields_only(client, city):
    clerk = UserFactory(
        role="staff", jurisdictions=[city.jurisdiction], departments=[city.streets, city.parks]
    )
    request = submit_pothole(city, email="ana@example.org", address_id="MAR-545483")
    transition(request=request, to_status=Status.IN_PROGRESS, actor=clerk, note="Crew booked")
    add_update(request=request, text="Needs a second visit", actor=clerk, public=False)
    photo = "https://crm.example.org/photos/4711.jpg"
    add_update(request=request, text="", actor="open311:crm", media_url=photo)

    response = client.get(f"/api/v1/requests/{request.public_id.lower()}")

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == request.public_id
    assert body["status"] == "in_progress"
    assert body["status_notes"] == "Crew booked"
    assert body["department"] == "Streets"
    assert body["areas"] == [{"id": city.west.pk, "kind": "ward", "code": "1", "name": "West Ward"}]
    assert body["address_id"] == "MAR-545483"
    assert [(e["kind"], e["actor"]) for e in body["timeline"]] == [
        ("submitted", "resident"),
        ("status_changed", "city"),
        ("public_update", "system"),
    ]
    assert body["timeline"][2]["data"] == {"media_url": photo}
    assert body["reporter_name"] is None
    assert "Needs a second visit" not in response.content.decode()


def test_unknown_hidden_and_unconfirmed_requests_are_404(client, city):
    hidden = submit_pothole(city)
    ServiceRequest.objects.filter(pk=hidden.pk).update(hidden=True)
    unconfirmed = submit_pothole(city, awaiting_confirmation=True)
    for public_id in ("ZZZZ-ZZZZ", hidden.public_id, unconfirmed.public_id, "x" * 300, "%00"):
        response = client.get(f"/api/v1/requests/{public_id}")
        assert response.status_code == 404, public_id
        assert response.json()["status"] == 404


def test_nearby_suggests_open_requests_of_the_service_nearest_first(client, city):
    near = submit_pothole(city, at=(34.0505, -118.25))
    here = submit_pothole(city, at=(34.05, -118.25))
    submit_pothole(city, at=(34.06, -118.25))  # over a kilometre away

    response = client.get("/api/v1/requests/nearby?service_code=pothole&lat=34.05&long=-118.25")

    assert response.status_code == 200
    items = response.json()["items"]
    assert [i["id"] for i in items] == [here.public_id, near.public_id]
    assert 50 < items[1]["distance_m"] < 60


def test_nearby_outside_every_city_is_empty_and_unknown_service_is_422(client, city):
    outside = client.get("/api/v1/requests/nearby?service_code=pothole&lat=40.71&long=-74")
    assert outside.json() == {"items": []}
    unknown = client.get("/api/v1/requests/nearby?service_code=nope&lat=34.05&long=-118.25")
    assert unknown.status_code == 422
    assert "service_code" in unknown.json()["errors"]


def test_head_answers_like_get_without_a_body(client, city):
    submit_pothole(city)
    response = client.head("/api/v1/requests", headers={"Origin": "https://news.example"})
    assert response.status_code == 200
    assert response.content == b""
    assert int(response["Content-Length"]) == len(client.get("/api/v1/requests").content)
    assert response["Access-Control-Allow-Origin"] == "*"


def test_detail_reads_in_a_constant_number_of_queries(client, city, django_assert_max_num_queries):
    request = submit_pothole(city)
    clerk = UserFactory(
        role="staff", jurisdictions=[city.jurisdiction], departments=[city.streets, city.parks]
    )
    for n in range(5):
        add_update(request=request, text=f"Update {n}", actor=clerk)
    with django_assert_max_num_queries(5):
        assert len(client.get(f"/api/v1/requests/{request.public_id}").json()["timeline"]) == 6


def test_an_unknown_api_path_is_a_json_404(client, db):
    response = client.get("/api/v1/requestz")
    assert response.status_code == 404
    assert response.json()["status"] == 404


@pytest.mark.parametrize(
    "query",
    [
        "updated_after=9999-12-31T23:59:59Z",
        "updated_after=0001-01-01T00:00:00%2B14:00",
        "updated_before=0001-01-01T00:00:00%2B14:00",
        "requested_after=0001-01-01T00:00:00Z",
        "requested_after=0001-01-01",
        "requested_before=9999-12-31T23:59:59-12:00",
        "requested_before=9999-12-31",
    ],
)
def test_date_filters_at_the_ends_of_the_calendar_answer_json(client, city, query):
    submit_pothole(city)
    response = client.get(f"/api/v1/requests?{query}")
    assert response.status_code in (200, 422), response.content
    if response.status_code == 422:
        field = query.split("=")[0]
        assert response.json()["errors"][field] == ["Value error, The date is out of range."]
