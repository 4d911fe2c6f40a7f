import xml.etree.ElementTree as ET

import pytest

from fixboard.reports.actions import ContactDetails, submit_request
from tests.factories import INSIDE_EAST, INSIDE_WEST, ServiceTypeFactory, submit_pothole

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
NAME, EMAIL, PHONE = "Zebulon Quartermaine", "zebulon.q@example.org", "+13105550199"


def parse(response) -> ET.Element:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    assert "max-age=300" in response["Cache-Control"]
    root = ET.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    for tag in ("id", "title", "updated"):
        assert root.find(f"{ATOM}{tag}") is not None
    for entry in root.iter(f"{ATOM}entry"):
        for tag in ("id", "title", "updated", "link"):
            assert entry.find(f"{ATOM}{tag}") is not None, tag
    return root


def entry_ids(root) -> list[str]:
    return [
        e.find(f"{ATOM}link").get("href").rstrip("/").rsplit("/", 1)[1]
        for e in root.iter(f"{ATOM}entry")
    ]


def private_report(city, **kwargs):
    return submit_request(
        service_type=kwargs.pop("service_type", city.pothole),
        lat=kwargs.pop("lat", INSIDE_WEST[0]),
        long=kwargs.pop("long", INSIDE_WEST[1]),
        attributes={"depth": "deep"},
        description="Deep hole <script>alert(1)</script> by the bus stop",
        reporter=ContactDetails(name=NAME, email=EMAIL, phone=PHONE),
        reporter_name_public=False,
        actor=None,
        **kwargs,
    )


def test_jurisdiction_feed_is_atom_with_public_fields_only(client, city, settings):
    settings.SITE_URL = "https://fix.example.gov"
    live = private_report(city)
    pending = private_report(city, awaiting_confirmation=True)
    root = parse(client.get(f"/feeds/{city.jurisdiction.slug}/"))

    assert entry_ids(root) == [live.public_id]
    text = ET.tostring(root, encoding="unicode")
    for secret in (NAME, EMAIL, PHONE, "Zebulon", "5550199"):
        assert secret not in text
    assert pending.public_id not in text
    entry = next(root.iter(f"{ATOM}entry"))
    assert entry.find(f"{ATOM}link").get("href") == (
        f"https://fix.example.gov/requests/{live.public_id}/"
    )
    # Atom "html": the text is escaped as HTML, then again as XML.
    assert "&lt;script&gt;" in entry.find(f"{ATOM}summary").text
    assert b"<script>" not in client.get(f"/feeds/{city.jurisdiction.slug}/").content


def test_area_and_service_type_feeds(client, city):
    west = submit_pothole(city, at=INSIDE_WEST)
    east = submit_pothole(city, at=INSIDE_EAST)
    private_type = ServiceTypeFactory(jurisdiction=city.jurisdiction, public=False)
    hidden_kind = submit_request(service_type=private_type, lat=34.05, long=-118.25, actor=None)
    slug = city.jurisdiction.slug

    assert entry_ids(parse(client.get(f"/feeds/{slug}/areas/{city.west.pk}/"))) == [west.public_id]
    assert entry_ids(parse(client.get(f"/feeds/{slug}/areas/{city.east.pk}/"))) == [east.public_id]
    pothole_ids = entry_ids(parse(client.get(f"/feeds/{slug}/services/pothole/")))
    assert sorted(pothole_ids) == sorted([west.public_id, east.public_id])
    everything = entry_ids(parse(client.get(f"/feeds/{slug}/")))
    assert hidden_kind.public_id not in everything
    assert client.get(f"/feeds/{slug}/services/{private_type.code}/").status_code == 404
    assert client.get(f"/feeds/{slug}/areas/999999/").status_code == 404
    assert client.get("/feeds/no-such-city/").status_code == 404


def test_feed_is_bounded_to_the_latest(client, city, django_assert_max_num_queries):
    for _ in range(55):
        submit_pothole(city)
    with django_assert_max_num_queries(4):
        root = parse(client.get(f"/feeds/{city.jurisdiction.slug}/"))
    assert len(entry_ids(root)) == 50
