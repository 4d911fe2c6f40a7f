"""Importing real 311 exports with the shipped mappings, and re-importing them."""

from collections import Counter
from datetime import UTC, datetime, timedelta

import feedparser
import pytest
from django.db import connection

from fixboard.audit.models import AuditEntry
from fixboard.catalog.models import Department, RoutingRule, ServiceType
from fixboard.places.addresses import normalize_address
from fixboard.places.models import AddressPoint
from fixboard.reports.importing import batch, import_requests, load_mapping, store
from fixboard.reports.importing.catalog import CatalogCache
from fixboard.reports.models import Channel, CloseReason, Event, RequestArea, ServiceRequest, Status
from fixboard.reports.public_ids import ALPHABET, normalize_public_id
from tests.factories import INSIDE_EAST, INSIDE_WEST
from tests.reports.test_import_helpers import (
    LA_2017,
    LA_2020,
    SF,
    SMALL_HEADER,
    SMALL_MAPPING,
    data_rows,
    los_angeles,
    run_import,
    san_francisco,
    small_mapping,
    write_csv,
)

pytestmark = pytest.mark.django_db


def check_la_2020(shared_data, city, result):
    request = ServiceRequest.objects.get(jurisdiction=city, source_id="1-1523590121")
    assert request.requested_at.isoformat() == "2020-01-01T08:05:00+00:00"  # 1/1/20 0:05 PST
    assert request.service_type.name == "Illegal Dumping Pickup"
    assert {a.kind: a.code for a in request.areas.all()} == {
        "council-district": "6",
        "neighborhood-council": "19",
    }
    assert ServiceRequest.objects.filter(jurisdiction=city, status=Status.IN_PROGRESS).count() > 0


def check_la_2017(shared_data, city, result):
    """Values, statuses, timeline and the address index on LA 2017."""

    request = ServiceRequest.objects.get(jurisdiction=city, source_id="1-870704831")
    # 12/31/2017 11:59:58 PM in Los Angeles (PST, UTC-8)
    assert request.requested_at.isoformat() == "2018-01-01T07:59:58+00:00"
    assert request.closed_at.isoformat() == "2018-04-09T16:18:35+00:00"
    assert request.service_type.name == "Homeless Encampment"
    assert request.service_type.code == "homeless-encampment"
    assert request.status == Status.CLOSED and request.close_reason == CloseReason.FIXED
    assert request.channel == Channel.PHONE
    assert request.department.name == "BOS"
    assert request.address == "2111 W BELLEVUE AVE, 90026" and request.zipcode == "90026"
    assert {a.kind: a.code for a in request.areas.all()} == {
        "council-district": "13",
        "neighborhood-council": "44",
    }
    imported, closed = request.events.order_by("created_at")
    assert (imported.kind, imported.to_status, imported.created_at) == (
        Event.Kind.IMPORTED,
        Status.NEW,
        request.requested_at,
    )
    assert imported.data == {"channel": "phone", "source_id": "1-870704831"}
    assert (closed.from_status, closed.to_status, closed.close_reason, closed.created_at) == (
        Status.NEW,
        Status.CLOSED,
        CloseReason.FIXED,
        request.closed_at,
    )
    reasons = Counter(
        ServiceRequest.objects.filter(jurisdiction=city, status=Status.CLOSED).values_list(
            "close_reason", flat=True
        )
    )
    assert reasons[CloseReason.CANCELLED] > 200 and reasons[CloseReason.REFERRED] > 0
    assert ServiceRequest.objects.filter(jurisdiction=city, status=Status.NEW).exists()
    names = set(ServiceType.objects.filter(jurisdiction=city).values_list("name", flat=True))
    assert names == {r["RequestType"] for r in data_rows(shared_data / LA_2017) if r["Latitude"]}
    assert set(Department.objects.filter(jurisdiction=city).values_list("name", flat=True)) == {
        "BOS", "OCB", "ITA", "BSL", "LADWP"
    }  # fmt: skip
    # Rows with an address but no point were placed through the address index.
    assert result.located_by_address > 0
    assert result.skipped["no location"] + result.located_by_address == 1753
    addresses = ServiceRequest.objects.filter(jurisdiction=city).values_list("address", flat=True)
    assert AddressPoint.objects.filter(jurisdiction=city).count() == len(
        {normalize_address(a) for a in addresses}
    )


def check_sf(shared_data, city, result):
    """Category is the service type, Source the channel."""

    request = ServiceRequest.objects.get(jurisdiction=city, source_id="3600298")
    assert request.service_type.name == "Sewer Issues"
    assert request.description == "Odor – From_other_location"
    assert request.status == Status.NEW and request.closed_at is None
    assert request.channel == Channel.PHONE
    assert request.department.name == "PUC - Sewer - G"
    assert request.areas.get().name == "Mission Bay"  # SF's own Neighborhood column
    created = set(
        ServiceRequest.objects.filter(jurisdiction=city).values_list("source_id", flat=True)
    )
    categories = {r["Category"] for r in data_rows(shared_data / SF) if r["CaseID"] in created}
    assert set(ServiceType.objects.filter(jurisdiction=city).values_list("name", flat=True)) == (
        categories
    )
    assert len(categories) >= 27
    channels = Counter(
        ServiceRequest.objects.filter(jurisdiction=city).values_list("channel", flat=True)
    )
    assert channels[Channel.OPEN311] > 1000 and channels[Channel.WEB] > 1000
    assert channels[Channel.IMPORT] > 100  # Twitter has no Fixboard channel


REAL_FILES = [
    # The fewest requests each must yield: LA 2017 has 1,753 rows without a point.
    pytest.param(LA_2017, "la-2017", "SRNumber", los_angeles, 8200, check_la_2017, id="la-2017"),
    pytest.param(LA_2020, "la-2020", "srnumber", los_angeles, 9950, check_la_2020, id="la-2020"),
    pytest.param(SF, "sf", "CaseID", san_francisco, 9950, check_sf, id="sf"),
]


def _snapshot(city):
    requests = ServiceRequest.objects.filter(jurisdiction=city)
    return (
        requests.count(),
        Event.objects.filter(request__jurisdiction=city).count(),
        RequestArea.objects.filter(request__jurisdiction=city).count(),
        sorted(requests.values_list("public_id", flat=True))[:50],
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    ("path", "mapping", "id_column", "make_city", "least", "check"), REAL_FILES
)
def test_real_file_every_row_accounted_for_and_reimport_updates(
    shared_data, path, mapping, id_column, make_city, least, check
):
    city = make_city(shared_data)
    rows = data_rows(shared_data / path)

    first = run_import(shared_data / path, city, mapping)

    assert first.created + first.skipped.total() == len(rows)
    assert first.updated == 0
    assert first.created >= least
    assert set(first.skipped) <= {"no location", "outside the jurisdiction"}
    for reason in first.skipped:
        assert 1 <= len(first.examples[reason]) <= 5
        assert all(f"row {e.row}" in e.message for e in first.examples[reason])
    requests = ServiceRequest.objects.filter(jurisdiction=city)
    assert requests.count() == first.created
    assert set(requests.values_list("source_id", flat=True)) <= {r[id_column] for r in rows}
    closed = requests.filter(status=Status.CLOSED).count()
    events = Event.objects.filter(request__jurisdiction=city)
    assert events.filter(kind=Event.Kind.IMPORTED, actor_system="import").count() == first.created
    assert events.filter(kind=Event.Kind.STATUS_CHANGED).count() == closed
    assert not requests.filter(areas__isnull=True).exists()
    check(shared_data, city, first)
    before = _snapshot(city)

    second = run_import(shared_data / path, city, mapping)

    assert second.created == 0
    assert second.updated == first.created
    assert second.skipped == first.skipped
    assert _snapshot(city) == before


def test_reimport_of_a_newer_export_moves_and_closes_with_a_timeline_event(city, tmp_path):
    mapping = small_mapping(tmp_path)
    created = "12/31/2017 11:59:58 PM"
    first = write_csv(
        tmp_path / "first.csv",
        SMALL_HEADER,
        [
            ["A-1", "Pothole", created, "", "Open", *INSIDE_WEST, "", "Call"],
            ["A-2", "Pothole", created, "", "Working", *INSIDE_WEST, "", "Web"],
        ],
    )
    result = run_import(first, city.jurisdiction, mapping)
    assert (result.created, result.updated) == (2, 0)
    request = ServiceRequest.objects.get(source_id="A-1")
    public_id = request.public_id
    assert (request.status, request.channel, request.department) == (
        Status.NEW,
        Channel.PHONE,
        city.streets,  # the existing service type "Pothole" and its default department
    )
    assert ServiceRequest.objects.get(source_id="A-2").status == Status.IN_PROGRESS
    # Due when the service type's 72 hours are up.
    assert request.expected_at - request.requested_at == timedelta(hours=72)
    # What the source does not say, the database fills as a submission would have it.
    assert (request.attributes, request.priority, request.external_id) == ({}, 0, "")
    assert (request.support_count, request.follow_count) == (0, 0)
    assert not (request.hidden or request.anonymous or request.has_photos)
    assert request.assignee is None and request.reporter is None

    newer = write_csv(
        tmp_path / "newer.csv",
        SMALL_HEADER,
        [
            ["A-1", "Pothole", created, "01/02/2018 09:00:00 AM", "Open", *INSIDE_EAST, "", "Call"],
            [
                "A-1",
                "Pothole",
                created,
                "01/03/2018 10:30:00 AM",
                "Cancelled",
                *INSIDE_EAST,
                "",
                "",
            ],
        ],
    )
    result = run_import(newer, city.jurisdiction, mapping)

    assert (result.created, result.updated) == (0, 1)
    assert result.skipped == {"repeated source id": 1}
    assert result.examples["repeated source id"][0].message == (
        "row 2: id A-1 appears again in row 3, which is used instead."
    )
    request.refresh_from_db()
    assert request.public_id == public_id
    assert (request.status, request.close_reason) == (Status.CLOSED, CloseReason.CANCELLED)
    assert request.closed_at.isoformat() == "2018-01-03T18:30:00+00:00"
    assert request.channel == Channel.IMPORT  # an empty source channel
    assert list(request.areas.all()) == [city.east]
    kinds = list(request.events.values_list("kind", "from_status", "to_status", "close_reason"))
    assert kinds == [
        (Event.Kind.IMPORTED, "", Status.NEW, ""),
        (Event.Kind.STATUS_CHANGED, Status.NEW, Status.CLOSED, CloseReason.CANCELLED),
    ]
    closing = request.events.get(kind=Event.Kind.STATUS_CHANGED)
    assert (closing.data, closing.hidden, closing.actor_user) == ({}, False, None)
    assert closing.created_at == request.closed_at
    assert request.expected_at - request.requested_at == timedelta(hours=72)


def test_a_first_import_looks_no_id_up_until_a_later_batch_repeats_one(city, tmp_path, monkeypatch):
    created = "12/31/2017 11:59:58 PM"
    rows = [
        ["E-1", "Pothole", created, "", "Open", *INSIDE_WEST, "", ""],
        ["E-2", "Pothole", created, "", "Open", *INSIDE_WEST, "", ""],
        ["E-3", "Pothole", created, "", "Open", *INSIDE_WEST, "", ""],
        ["E-1", "Pothole", created, "01/02/2018 09:00:00 AM", "Closed", *INSIDE_EAST, "", ""],
        ["E-4", "Pothole", created, "", "Open", *INSIDE_WEST, "", ""],
    ]
    export = write_csv(tmp_path / "export.csv", SMALL_HEADER, rows)
    looked_up = []
    existing = store.Store.existing

    def counting(self, jurisdiction_id, source_ids):
        looked_up.append(sorted(source_ids))
        return existing(self, jurisdiction_id, source_ids)

    monkeypatch.setattr(store.Store, "existing", counting)
    result = import_requests(
        path=export,
        jurisdiction=city.jurisdiction,
        mapping=load_mapping(small_mapping(tmp_path)),
        batch_size=2,  # batches: E-1 E-2 | E-3 E-1 | E-4
    )

    # The second batch found E-1 taken by the first, then looked its ids up, and so did
    # every batch after it.
    assert looked_up == [["E-1", "E-3"], ["E-4"]]
    assert (result.created, result.updated) == (4, 1)
    request = ServiceRequest.objects.get(source_id="E-1")
    assert (request.status, list(request.areas.all())) == (Status.CLOSED, [city.east])
    assert ServiceRequest.objects.filter(source_id__startswith="E-").count() == 4


def test_a_mapped_address_id_column_is_kept(city, tmp_path):
    text = SMALL_MAPPING.replace('address = "Address"', 'address = "Address"\naddress_id = "Ref"')
    mapping = small_mapping(tmp_path, text)
    export = write_csv(
        tmp_path / "export.csv",
        [*SMALL_HEADER, "Ref"],
        [["C-1", "Pothole", "12/31/2017 11:59:58 PM", "", "Open", *INSIDE_WEST, "", "", "A-77"]],
    )
    run_import(export, city.jurisdiction, mapping)
    assert ServiceRequest.objects.get(source_id="C-1").address_id == "A-77"


def test_a_public_id_already_taken_is_replaced_and_the_batch_still_written(
    city, tmp_path, monkeypatch
):
    mapping = small_mapping(tmp_path)
    created = "12/31/2017 11:59:58 PM"
    first = write_csv(
        tmp_path / "first.csv",
        SMALL_HEADER,
        [["D-1", "Pothole", created, "", "Open", *INSIDE_WEST, "", "Call"]],
    )
    run_import(first, city.jurisdiction, mapping)
    taken = ServiceRequest.objects.get(source_id="D-1").public_id
    generated = batch.new_public_ids
    drawn = []

    def unlucky(count):
        ids = generated(count)
        if not drawn:  # the first draw repeats a stored id
            ids[0] = taken
        drawn.append(ids)
        return ids

    monkeypatch.setattr(batch, "new_public_ids", unlucky)
    rows = [[f"D-{n}", "Pothole", created, "", "Open", *INSIDE_WEST, "", "Call"] for n in (2, 3)]
    result = run_import(
        write_csv(tmp_path / "more.csv", SMALL_HEADER, rows), city.jurisdiction, mapping
    )

    assert (result.created, len(drawn)) == (2, 2)
    public_ids = set(ServiceRequest.objects.values_list("public_id", flat=True))
    assert len(public_ids) == 3 and set(drawn[1]) <= public_ids
    assert Event.objects.filter(request__source_id__in=["D-2", "D-3"]).count() == 2


def test_imported_requests_follow_the_routing_rules_of_their_areas(city, tmp_path):
    RoutingRule.objects.create(
        jurisdiction=city.jurisdiction,
        service_type=city.pothole,
        area=city.east,
        department=city.parks,
    )
    created = "12/31/2017 11:59:58 PM"
    rows = [
        ["R-1", "Pothole", created, "", "Open", *INSIDE_EAST, "", ""],
        ["R-2", "Pothole", created, "", "Open", *INSIDE_WEST, "", ""],
        ["R-3", "Pothole", created, "", "Open", *INSIDE_EAST, "", ""],
    ]
    export = write_csv(tmp_path / "routed.csv", SMALL_HEADER, rows)
    run_import(export, city.jurisdiction, small_mapping(tmp_path))

    routed = dict(ServiceRequest.objects.values_list("source_id", "department"))
    assert routed == {"R-1": city.parks.pk, "R-2": city.streets.pk, "R-3": city.parks.pk}
    areas = RequestArea.objects.values_list("request__source_id", "area")
    assert sorted(areas) == [("R-1", city.east.pk), ("R-2", city.west.pk), ("R-3", city.east.pk)]


def test_imported_public_ids_are_random_and_read_back_like_submitted_ones():
    # Uniqueness is the database's to keep (see the test above): forty random bits can repeat.
    ids = batch.new_public_ids(20_000)
    assert all(normalize_public_id(i.lower().replace("-", " ")) == i for i in ids)
    letters = Counter("".join(ids).replace("-", ""))
    assert set(letters) == set(ALPHABET)  # every letter is drawn, about as often
    assert max(letters.values()) < 1.2 * min(letters.values())


@pytest.mark.parametrize(
    "value",
    [
        datetime(2017, 12, 31, 23, 59, 58, tzinfo=UTC),
        datetime(2020, 1, 1, 0, 0, tzinfo=UTC),
        datetime(2020, 3, 8, 10, 5, 7, 250, tzinfo=UTC),
        datetime(999, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC),
    ],
)
def test_the_store_writes_a_date_time_as_django_writes_it(value):
    # Then the ORM's lookups and ordering find imported requests as they find the others.
    writer = store.store_for_connection()
    once, again = writer.datetime(value), writer.datetime(value)  # the second remembered
    assert once == again == connection.ops.adapt_datetimefield_value(value)


def test_a_batch_creates_each_new_service_type_and_department_once(city):
    catalog = CatalogCache(city.jurisdiction)
    catalog.prepare(
        {"Graffiti Removal": "Clean", "graffiti removal": "", "Pothole": ""},
        ["Sanitation", "SANITATION"],
    )
    catalog.prepare({"Graffiti Removal": ""}, ["Sanitation"])  # known now: nothing more

    assert (catalog.created_services, catalog.created_departments) == (
        ["Graffiti Removal"],
        ["Sanitation"],
    )
    graffiti = ServiceType.objects.get(jurisdiction=city.jurisdiction, code="graffiti-removal")
    assert (graffiti.name, graffiti.group) == ("Graffiti Removal", "Clean")
    assert catalog.service("GRAFFITI REMOVAL").id == graffiti.pk
    assert catalog.department("sanitation") == Department.objects.get(name="Sanitation").pk


def test_control_characters_in_an_export_leave_no_trace_in_the_feed(client, city, tmp_path):
    text = SMALL_MAPPING.replace(
        'address = "Address"', 'address = "Address"\ndescription = "Desc"\nstatus_notes = "Notes"'
    )
    export = write_csv(
        tmp_path / "export.csv",
        [*SMALL_HEADER, "Desc", "Notes"],
        [
            [
                "X-1", "Pothole", "12/31/2017 11:59:58 PM", "", "Open", *INSIDE_WEST,
                "1 Main\x0b St", "", "Deep\x0b hole\x1b\nby the gate", "Crew\x0c sent",
            ]
        ],
    )  # fmt: skip
    run_import(export, city.jurisdiction, small_mapping(tmp_path, text))

    request = ServiceRequest.objects.get(source_id="X-1")
    assert (request.description, request.address, request.status_notes) == (
        "Deep hole\nby the gate",
        "1 Main St",
        "Crew sent",
    )
    feed = client.get(f"/feeds/{city.jurisdiction.slug}/")
    assert feed.status_code == 200
    assert "Deep hole" in feedparser.parse(feed.content).entries[0].summary


def test_what_an_import_adds_to_the_catalog_is_on_the_audit_log(city):
    catalog = CatalogCache(city.jurisdiction)
    catalog.prepare({"Graffiti Removal": "Clean", "Pothole": ""}, ["Sanitation"])
    catalog.service("Dead Animal")
    catalog.department("Water")
    entries = AuditEntry.objects.filter(actor="fixboard import-requests")
    assert sorted((e.content_type.model, e.object_repr, e.action) for e in entries) == [
        ("department", "Sanitation", "created"),
        ("department", "Water", "created"),
        ("servicetype", "Dead Animal", "created"),
        ("servicetype", "Graffiti Removal", "created"),
    ]
    graffiti = entries.get(object_repr="Graffiti Removal")
    assert graffiti.jurisdiction == city.jurisdiction
    assert graffiti.changes["group"] == [None, "Clean"]
