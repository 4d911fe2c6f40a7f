import io
import time

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.management import call_command
from PIL import Image, PngImagePlugin

from fixboard.reports.models import Photo, ServiceRequest
from fixboard.reports.photos import clean_photos
from fixboard.reports.stored_photos import RANDOM_NAME
from tests.factories import submit_pothole

XMP = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:Description>Jane Doe</rdf:Description></x:xmpmeta>'


def clean_one(data: bytes, name: str = "photo.jpg"):
    [photo] = clean_photos([(data, name)])
    return photo


def jpeg(size=(64, 48), **metadata) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "orange").save(out, "JPEG", **metadata)
    return out.getvalue()


def png(size=(64, 48), mode="RGB", **metadata) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size).save(out, "PNG", **metadata)
    return out.getvalue()


def segments(data: bytes) -> list[int]:
    """The JPEG's marker bytes up to the image data: APPn are 0xE0-0xEF, COM is 0xFE."""
    assert data[:2] == b"\xff\xd8"
    found, at = [], 2
    while data[at + 1] != 0xDA:  # SOS: the image data follows
        marker, length = data[at + 1], int.from_bytes(data[at + 2 : at + 4], "big")
        found.append(marker)
        at += 2 + length
    return found


def test_real_gps_photo_gives_location_and_loses_exif(shared_data):
    data = (shared_data / "photos/DSCN0010.jpg").read_bytes()
    assert Image.open(io.BytesIO(data)).getexif()
    photo = clean_one(data, "DSCN0010.jpg")
    assert (photo.lat, photo.long) == pytest.approx((43.467448, 11.885127), abs=1e-5)
    stored = Image.open(io.BytesIO(photo.content.read()))
    assert stored.format == "JPEG"
    assert not stored.getexif()
    assert (photo.width, photo.height) == (640, 480)


def test_no_metadata_of_the_upload_survives():
    """The JPEG comment (COM) used to be copied into the stored file."""
    exif = Image.Exif()
    exif[0x010E] = "Jane Doe's street"  # ImageDescription
    tagged = jpeg(
        comment=b"Jane Doe, 123 Elm St",
        exif=exif,
        icc_profile=b"\0" * 128,
        xmp=XMP,
    )
    assert {0xE1, 0xE2, 0xFE} <= set(segments(tagged))
    text = PngImagePlugin.PngInfo()
    text.add_text("Author", "Jane Doe")

    for data in (tagged, png(pnginfo=text)):
        stored = clean_one(data).content.read()
        # JFIF (APP0) and the image's own tables only: no EXIF/XMP (APP1), ICC (APP2), COM.
        assert [m for m in segments(stored) if 0xE0 <= m <= 0xEF or m == 0xFE] == [0xE0]
        assert b"Jane" not in stored
        assert Image.open(io.BytesIO(stored)).info.keys() <= {
            "jfif",
            "jfif_version",
            "jfif_unit",
            "jfif_density",
            "progressive",
            "progression",
        }


def test_large_photo_is_resized():
    photo = clean_one(png((5000, 2500)), "big.png")
    assert (photo.width, photo.height) == (2048, 1024)


@pytest.mark.parametrize(
    ("photos", "message"),
    [
        ([(b"%PDF-1.4 not an image", "notes.pdf")], "notes.pdf is not a photo we can read"),
        ([(b"\xff\xd8\xff" + b"0" * 100, "cut.jpg")], "cut.jpg is not a photo we can read"),
        ([(b"x" * 10_000_001, "huge.jpg")], "huge.jpg is 10.0 MB; each photo may be at most 10 MB"),
        ([(jpeg(), f"{n}.jpg") for n in range(6)], "You sent 6 photos; send at most 5."),
        (
            [(b"x" * 9_000_000, f"{n}.jpg") for n in range(3)],
            "These photos are 27.0 MB together; send at most 25 MB in all.",
        ),
    ],
)
def test_bad_uploads_have_clear_messages(photos, message):
    with pytest.raises(ValidationError) as exc:
        clean_photos(photos)
    assert message in " ".join(exc.value.message_dict["media"])


def test_too_many_pixels_are_refused_from_the_header_before_decoding():
    # 48 megapixels of one bit each: a tiny file that would decode to a huge image.
    bomb = png((8000, 6000), mode="1", optimize=True)
    assert len(bomb) < 100_000
    started = time.monotonic()
    with pytest.raises(ValidationError) as exc:
        clean_photos([(bomb, "bomb.png")])
    assert time.monotonic() - started < 0.5
    assert exc.value.message_dict["media"] == [
        "bomb.png has more than 40 megapixels; send a smaller photo."
    ]


def test_pillows_own_bomb_guard_is_set_from_the_setting(settings):
    assert Image.MAX_IMAGE_PIXELS == settings.PHOTO_MAX_PIXELS == 40_000_000


def test_total_decoding_work_is_bounded(settings):
    settings.PHOTO_MAX_TOTAL_PIXELS = 20_000_000
    photos = [(png((3000, 3000), mode="1", optimize=True), f"{n}.png") for n in range(3)]
    with pytest.raises(ValidationError) as exc:
        clean_photos(photos)
    assert exc.value.message_dict["media"] == [
        "These photos are 27 megapixels together; send at most 20 megapixels in all "
        "(fewer or smaller photos)."
    ]
    assert len(clean_photos(photos[:2])) == 2


@pytest.mark.django_db
def test_submit_stores_a_stripped_jpeg_under_a_random_name(city, shared_data):
    data = (shared_data / "photos/DSCN0021.jpg").read_bytes()
    request = submit_pothole(city, photos=[(data, "Jane-Doe-123-Elm-St.jpg")])
    photo = request.photos.get()
    assert photo.event.kind == "submitted"
    assert photo.taken_lat == pytest.approx(43.467082, abs=1e-5)
    assert RANDOM_NAME.fullmatch(photo.image.name)
    assert "Jane" not in photo.image.url and request.public_id not in photo.image.url
    with photo.image.open("rb") as f:
        assert not Image.open(f).getexif()


@pytest.mark.django_db
def test_bad_photo_rejects_whole_submission(city):
    with pytest.raises(ValidationError) as exc:
        submit_pothole(city, photos=[(b"<script>", "x.jpg")])
    assert "media" in exc.value.message_dict
    assert not ServiceRequest.objects.exists()


@pytest.mark.django_db
def test_clean_photos_command_strips_and_renames_photos_stored_before(
    city, django_capture_on_commit_callbacks
):
    request = submit_pothole(city)
    storage = Photo._meta.get_field("image").storage
    # What earlier versions stored: the uploaded name in the path, the comment kept.
    old_name = storage.save(
        f"photos/{request.public_id}/Jane-Doe-123-Elm-St.jpg", ContentFile(jpeg(comment=b"Jane"))
    )
    old = Photo.objects.create(request=request, image=old_name)
    unreadable = Photo.objects.create(request=request, image=old_name)
    Photo.objects.filter(pk=unreadable.pk).update(image="photos/gone/missing.jpg")
    out = io.StringIO()

    with django_capture_on_commit_callbacks(execute=True):
        call_command("clean_photos", stdout=out)

    old.refresh_from_db()
    assert RANDOM_NAME.fullmatch(old.image.name)
    with old.image.open("rb") as f:
        assert 0xFE not in segments(f.read())
    assert not storage.exists(old_name)
    assert (old.width, old.height) == (64, 48)
    assert Photo.objects.filter(pk=unreadable.pk, image="photos/gone/missing.jpg").exists()
    assert "1 photos cleaned, 0 already clean, 1 could not be read" in out.getvalue()

    again = io.StringIO()
    call_command("clean_photos", stdout=again)
    assert "0 photos cleaned, 1 already clean, 1 could not be read" in again.getvalue()
