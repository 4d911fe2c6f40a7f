import io

import pytest
from django.core.exceptions import ValidationError
from PIL import Image

from fixboard.reports.photos import clean_photo


def test_real_gps_photo_gives_location_and_loses_exif(shared_data):
    data = (shared_data / "photos/DSCN0010.jpg").read_bytes()
    assert Image.open(io.BytesIO(data)).getexif()
    photo = clean_photo(data, "DSCN0010.jpg")
    assert (photo.lat, photo.long) == pytest.approx((43.467448, 11.885127), abs=1e-5)
    stored = Image.open(io.BytesIO(photo.content.read()))
    assert stored.format == "JPEG"
    assert not stored.getexif()
    assert "exif" not in stored.info and "icc_profile" not in stored.info
    assert (photo.width, photo.height) == (640, 480)


def test_large_photo_is_resized():
    out = io.BytesIO()
    Image.new("RGB", (5000, 2500), "gray").save(out, "PNG")
    photo = clean_photo(out.getvalue(), "big.png")
    assert (photo.width, photo.height) == (2048, 1024)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"%PDF-1.4 not an image", "not a photo we can read"),
        (b"\xff\xd8\xff" + b"0" * 100, "not a photo we can read"),
        (b"x" * (21 * 1024 * 1024), "at most 20 MB"),
    ],
)
def test_bad_uploads_have_clear_messages(data, message):
    with pytest.raises(ValidationError) as exc:
        clean_photo(data, "upload")
    assert message in exc.value.message_dict["media"][0]


def test_decompression_bomb_is_refused():
    out = io.BytesIO()
    Image.new("1", (20000, 20000)).save(out, "PNG", optimize=True)
    assert len(out.getvalue()) < 2_000_000
    with pytest.raises(ValidationError) as exc:
        clean_photo(out.getvalue(), "bomb.png")
    assert "too large to process" in exc.value.message_dict["media"][0]


@pytest.mark.django_db
def test_submit_with_photo_stores_stripped_jpeg(city, shared_data):
    from tests.factories import submit_pothole

    data = (shared_data / "photos/DSCN0021.jpg").read_bytes()
    request = submit_pothole(city, photos=[(data, "DSCN0021.jpg")])
    photo = request.photos.get()
    assert photo.event.kind == "submitted"
    assert photo.taken_lat == pytest.approx(43.467082, abs=1e-5)
    with photo.image.open("rb") as f:
        assert not Image.open(f).getexif()


@pytest.mark.django_db
def test_bad_photo_rejects_whole_submission(city):
    from fixboard.reports.models import ServiceRequest
    from tests.factories import submit_pothole

    with pytest.raises(ValidationError) as exc:
        submit_pothole(city, photos=[(b"<script>", "x.jpg")])
    assert "media" in exc.value.message_dict
    assert not ServiceRequest.objects.exists()
