"""The report form without JavaScript, and its answers to bad input."""

import io

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from fixboard.places.addresses import record_addresses
from fixboard.reports.models import ServiceRequest
from tests.factories import INSIDE_EAST, INSIDE_WEST, OUTSIDE, make_city

pytestmark = pytest.mark.django_db


@pytest.fixture
def town(db):
    return make_city()


def post(client, city, **fields):
    data = {
        "service": "pothole",
        "attribute[depth]": "deep",
        "description": "Hole by the school gate",
        "name": "Ana",
        "lat": INSIDE_WEST[0],
        "long": INSIDE_WEST[1],
    }
    data.update(fields)
    return client.post(
        f"/{city.jurisdiction.slug}/report/", {k: v for k, v in data.items() if v is not None}
    )


def png(size=(40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "red").save(out, "PNG")
    return out.getvalue()


def test_the_basic_form_works_without_javascript(client, town):
    response = post(client, town)

    created = ServiceRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == created.get_absolute_url()
    assert (created.lat, created.long, created.attributes) == (*INSIDE_WEST, {"depth": "deep"})
    assert created.reporter.name == "Ana" and not created.reporter_name_public


def test_a_gps_photo_places_the_report_when_no_location_is_given(client, shared_data):
    from tests.web.test_browser import tuscan_town

    town, _pothole = tuscan_town()
    photo = (shared_data / "photos" / "DSCN0021.jpg").read_bytes()
    response = client.post(
        f"/{town.slug}/report/",
        {
            "service": "buca",
            "attribute[depth]": "deep",
            "photos": SimpleUploadedFile("DSCN0021.jpg", photo, "image/jpeg"),
        },
    )

    assert response.status_code == 302
    created = ServiceRequest.objects.get()
    assert (round(created.lat, 4), round(created.long, 4)) == (43.4671, 11.8845)


def test_an_address_from_the_index_places_the_report(client, town):
    record_addresses(
        jurisdiction=town.jurisdiction, addresses=[("100 Main Street", "", *INSIDE_EAST)]
    )
    suggestions = client.get(f"/{town.jurisdiction.slug}/addresses/", {"q": "100 main st"})
    assert suggestions.json() == [
        {
            "address": "100 Main Street",
            "zipcode": "",
            "lat": INSIDE_EAST[0],
            "long": INSIDE_EAST[1],
            "kind": "address",
            "source": "index",
            "label": "100 Main Street",
        }
    ]

    response = post(client, town, lat="", long="", address="100 MAIN ST")

    assert response.status_code == 302
    created = ServiceRequest.objects.get()
    assert (created.lat, created.long, created.address) == (*INSIDE_EAST, "100 Main Street")


def test_an_unknown_address_is_reported_at_the_address_field(client, town):
    response = post(client, town, lat="", long="", address="1 Nowhere Lane")

    assert response.status_code == 400
    assert response.context["form"].errors["address"][0].startswith("We do not know this address")
    assert not ServiceRequest.objects.exists()


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (("notes.jpg", b"plain text, not a photo"), "not a photo we can read"),
        (("huge.jpg", b"\xff\xd8" + b"0" * 10_000_001), "each photo may be at most 10 MB"),
    ],
)
def test_bad_photos_get_a_message_at_the_photo_field_and_keep_the_rest(
    client, town, upload, message
):
    name, content = upload
    response = post(client, town, photos=SimpleUploadedFile(name, content, "image/jpeg"))

    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors["photos"])
    html = response.content.decode()
    assert "Hole by the school gate" in html and 'value="Ana"' in html
    assert not ServiceRequest.objects.exists()


def test_a_fifty_megabyte_upload_is_refused_before_it_is_read(client, town, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = None
    big = SimpleUploadedFile("big.jpg", b"\0" * (50 * 1024 * 1024), "image/jpeg")

    response = post(client, town, photos=big)

    assert response.status_code == 400
    assert "big.jpg is 52.4 MB" in response.context["form"].errors["photos"][0]


def test_a_decompression_bomb_is_refused(client, town):
    bomb = io.BytesIO()
    Image.new("1", (12_000, 12_000)).save(bomb, "PNG")

    response = post(client, town, photos=SimpleUploadedFile("bomb.png", bomb.getvalue()))

    assert response.status_code == 400
    assert "bomb.png has more than 40 megapixels" in response.context["form"].errors["photos"][0]


def test_a_point_outside_the_city_and_a_missing_answer_are_both_shown(client, town):
    response = post(
        client,
        town,
        lat=OUTSIDE[0],
        long=OUTSIDE[1],
        **{"attribute[depth]": ""},
        description="<script>alert(1)</script>",
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "Please answer: How deep is it?" in html
    assert "outside Testville" in " ".join(response.context["location_errors"])
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_missing_location_and_service_are_explained(client, town):
    response = client.post(f"/{town.jurisdiction.slug}/report/", {"description": "x"})

    assert response.status_code == 400
    assert response.context["form"].errors["service"] == ["Choose the kind of problem."]


def test_unverified_email_waits_for_confirmation(client, town, django_capture_on_commit_callbacks):
    town.pothole.requires_confirmation = True
    town.pothole.save(update_fields=["requires_confirmation"])

    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, town, email="new.resident@example.org")

    created = ServiceRequest.objects.get()
    assert created.awaiting_confirmation
    assert response["Location"].endswith(f"/report/sent/{created.public_id}/")
    assert "check your e-mail" in client.get(response["Location"]).content.decode()
    own = client.get(created.get_absolute_url())  # this browser sees it waiting; nobody else
    assert own.status_code == 200 and "Waiting for your confirmation." in own.content.decode()
    assert Client().get(created.get_absolute_url()).status_code == 404
    (confirmation,) = mail.outbox
    assert confirmation.to == ["new.resident@example.org"]


def test_questions_fragment_has_the_right_input_per_datatype(client, town):
    html = client.get(
        f"/{town.jurisdiction.slug}/report/questions/", {"service": "bulky-items"}
    ).content.decode()
    assert 'type="number"' in html and 'name="attribute[items]"' in html
    html = client.get(
        f"/{town.jurisdiction.slug}/report/questions/", {"service": "pothole"}
    ).content.decode()
    assert 'type="radio"' in html and 'value="deep"' in html


def test_map_data_needs_a_viewport(client, town):
    slug = town.jurisdiction.slug
    assert client.get(f"/{slug}/map.json").status_code == 400
    ok = client.get(
        f"/{slug}/map.json", {"south": 34, "west": -118.3, "north": 34.1, "east": -118.1}
    )
    assert ok.json() == {"mode": "points", "total": 0, "points": []}


def test_a_heic_photo_from_an_iphone_is_accepted_and_stored_as_jpeg(client, town):
    heic = io.BytesIO()
    Image.new("RGB", (64, 48), "blue").save(heic, "HEIF")

    response = post(client, town, photos=SimpleUploadedFile("IMG_0001.HEIC", heic.getvalue()))

    assert response.status_code == 302
    stored = ServiceRequest.objects.get().photos.get()
    with stored.image.open("rb") as f:
        assert Image.open(f).format == "JPEG"


def test_informational_notices_of_a_service_type_are_shown(client, town):
    from tests.factories import AttributeFactory

    AttributeFactory(
        service_type=town.pothole,
        code="notice",
        description="Call 911 if the hole is a danger to traffic.",
        variable=False,
    )

    html = client.get(f"/{town.jurisdiction.slug}/report/", {"service": "pothole"}).content
    assert "Call 911 if the hole is a danger to traffic." in html.decode()


def test_the_name_is_published_only_when_the_resident_says_so(client, town):
    post(client, town, name="Ana Reyes", email="ana@example.org")
    post(client, town, name="Luis Ortega", show_name="on")
    hidden, shown = ServiceRequest.objects.order_by("id")

    hidden_html = client.get(hidden.get_absolute_url()).content.decode()
    shown_html = client.get(shown.get_absolute_url()).content.decode()

    assert "Ana Reyes" not in hidden_html and "ana@example.org" not in hidden_html
    assert "by Luis Ortega" in shown_html


def test_more_photos_than_the_limit_are_refused_at_the_photo_field(client, town, settings):
    settings.PHOTO_MAX_COUNT = 2
    uploads = [SimpleUploadedFile(f"{n}.png", png(), "image/png") for n in range(3)]

    response = post(client, town, photos=uploads)

    assert response.status_code == 400
    assert response.context["form"].errors["photos"] == ["You sent 3 photos; send at most 2."]
    assert "up to 2 photos, 10 MB each" in response.content.decode()
    assert not ServiceRequest.objects.exists()


def test_photos_too_large_to_decode_together_are_refused_at_the_photo_field(client, town, settings):
    settings.PHOTO_MAX_TOTAL_PIXELS = 5_000
    uploads = [SimpleUploadedFile(f"{n}.png", png((60, 50)), "image/png") for n in range(2)]

    response = post(client, town, photos=uploads)

    assert response.status_code == 400
    assert response.context["form"].errors["photos"] == [
        "These photos are 0.006 megapixels together; send at most 0.005 megapixels in all "
        "(fewer or smaller photos)."
    ]


def test_typos_abbreviations_and_corners_in_the_form_suggestions(client, town):
    north = INSIDE_EAST[0] + 0.0006
    record_addresses(
        jurisdiction=town.jurisdiction,
        addresses=[
            ("100 E 4th Street", "90012", *INSIDE_EAST),
            ("120 E 4th Street", "90012", INSIDE_EAST[0], INSIDE_EAST[1] + 0.0005),
            ("400 S Soto Street", "90033", INSIDE_EAST[0] - 0.0003, INSIDE_EAST[1] + 0.0007),
            ("380 S Soto Street", "90033", north, INSIDE_EAST[1] + 0.0007),
        ],
    )
    url = f"/{town.jurisdiction.slug}/addresses/"
    assert client.get(url, {"q": "100 east forth st"}).json()[0]["address"] == "100 E 4th Street"
    corner = client.get(url, {"q": "4th & soto"}).json()[0]
    assert (corner["address"], corner["kind"]) == ("E 4TH ST & S SOTO ST", "intersection")


def test_the_nearest_address_of_a_pin(client, town):
    record_addresses(
        jurisdiction=town.jurisdiction, addresses=[("100 Main Street", "90012", *INSIDE_EAST)]
    )
    url = f"/{town.jurisdiction.slug}/addresses/nearest/"
    near = client.get(url, {"lat": INSIDE_EAST[0] + 0.0001, "long": INSIDE_EAST[1]})
    assert near.json()["address"] == "100 Main Street"
    assert client.get(url, {"lat": INSIDE_EAST[0] + 0.01, "long": INSIDE_EAST[1]}).json() is None
    bad = client.get(url, {"lat": "north", "long": "1"})
    assert bad.status_code == 400
    assert bad.json() == {"error": "Give lat and long in decimal degrees."}
    assert client.get(url, {"lat": "95", "long": "1"}).status_code == 400
