"""Digests and feeds over real Los Angeles requests and neighbourhood-council boundaries."""

import csv
import xml.etree.ElementTree as ET
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from fixboard.notify.models import WatchArea
from fixboard.places.actions import create_jurisdiction, import_areas, read_feature_collection
from fixboard.places.models import Area
from fixboard.reports.actions import submit_request
from tests.factories import ServiceTypeFactory

pytestmark = pytest.mark.django_db

LA = ZoneInfo("America/Los_Angeles")
ROWS = 200
WATCHED_NC = "21"  # Greater Valley Glen Council: the most requests among the first rows


@pytest.fixture
def los_angeles(shared_data):
    jurisdiction = create_jurisdiction(slug="la", name="Los Angeles", timezone=LA.key)
    features = read_feature_collection(shared_data / "geo/la/la-neighborhood-councils-2019.geojson")
    import_areas(
        jurisdiction=jurisdiction,
        features=features,
        kind="neighborhood-council",
        name_property="name",
        code_property="nc_id",
    )
    path = shared_data / "311/la/la311_2020-01_requests.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["latitude"] and r["longitude"]][:ROWS]
    types = {}
    submitted = []
    for row in rows:
        service = types.get(row["requesttype"]) or types.setdefault(
            row["requesttype"],
            ServiceTypeFactory(jurisdiction=jurisdiction, name=row["requesttype"]),
        )
        try:
            request = submit_request(
                service_type=service,
                lat=float(row["latitude"]),
                long=float(row["longitude"]),
                address=row["address"],
                requested_at=datetime.strptime(row["createddate"], "%m/%d/%y %H:%M").replace(
                    tzinfo=LA
                ),
                actor="import",
            )
        except ValidationError:
            continue  # a point outside the city; the importer reports those
        submitted.append((row, request))
    return jurisdiction, submitted


def test_digest_of_a_real_neighbourhood_council(mailbox, los_angeles):
    jurisdiction, submitted = los_angeles
    area = Area.objects.get(jurisdiction=jurisdiction, code=WATCHED_NC)
    WatchArea.objects.create(
        jurisdiction=jurisdiction,
        email="glen.watcher@example.org",
        area=area,
        confirmed_at=timezone.now(),
        covered_until=datetime(2019, 12, 31, tzinfo=LA),
    )
    expected = {r.public_id for row, r in submitted if row["nc"] == WATCHED_NC}
    assert len(expected) == 15

    call_command("send_digests")

    [mail] = mailbox.received
    listed = {line.split(" · ")[0][2:] for line in mail.body.splitlines() if line.startswith("* ")}
    assert listed == expected
    assert mail.subject == f"{len(expected)} new reports in {area.name}"


def test_real_feed_of_an_area_lists_its_requests_newest_first(client, los_angeles):
    jurisdiction, submitted = los_angeles
    area = Area.objects.get(jurisdiction=jurisdiction, code=WATCHED_NC)
    root = ET.fromstring(client.get(f"/feeds/la/areas/{area.pk}/").content)
    atom = "{http://www.w3.org/2005/Atom}"
    entries = list(root.iter(f"{atom}entry"))
    published = [e.find(f"{atom}published").text for e in entries]
    assert published == sorted(published, reverse=True)
    in_area = sorted(
        (r for row, r in submitted if row["nc"] == WATCHED_NC),
        key=lambda r: (r.requested_at, r.pk),
        reverse=True,
    )
    titles = [e.find(f"{atom}title").text for e in entries]
    assert [t.split(" · ")[0] for t in titles] == [r.public_id for r in in_area]
    assert all(r.address in t for r, t in zip(in_area, titles, strict=True))
