"""What residents see of their own unconfirmed report, "still broken?" with a reason and a
photo, the follow state, the answers, area kinds in words, and the error pages."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.views.defaults import server_error
from PIL import Image

from fixboard.accounts.models import User
from fixboard.places.models import Area
from fixboard.reports.actions import transition
from fixboard.reports.models import CloseReason, Event, Follow, Photo, Status
from tests.factories import INSIDE_WEST, UserFactory, submit_pothole

pytestmark = pytest.mark.django_db

REPORT = {
    "service": "pothole",
    "attribute[depth]": "deep",
    "description": "Hole by the school gate",
    "lat": INSIDE_WEST[0],
    "long": INSIDE_WEST[1],
    "email": "new.resident@example.org",
}


def gps_jpeg() -> bytes:
    exif = Image.Exif()
    exif[0x010E] = "Jane Doe's front door"  # ImageDescription
    exif[0x013B] = "Jane Doe"  # Artist
    out = io.BytesIO()
    Image.new("RGB", (80, 60), "orange").save(out, "JPEG", exif=exif, comment=b"Jane Doe")
    return out.getvalue()


def test_the_form_says_an_email_means_confirming_first(client, city):
    html = client.get(f"/{city.jurisdiction.slug}/report/").content.decode()
    assert "we first e-mail you a link to confirm" in html


def test_the_reporting_browser_sees_its_pending_report_and_nobody_else(client, city):
    city.pothole.requires_confirmation = True
    city.pothole.save(update_fields=["requires_confirmation"])
    sent = client.post(f"/{city.jurisdiction.slug}/report/", REPORT)
    assert "See your report while it waits" in client.get(sent["Location"]).content.decode()
    public_id = sent["Location"].rstrip("/").rsplit("/", 1)[1]

    own = client.get(f"/requests/{public_id}/")

    html = own.content.decode()
    assert own.status_code == 200 and "Waiting for your confirmation." in html
    assert "no-store" in own["Cache-Control"] and own["X-Robots-Tag"] == "noindex"
    assert "Hole by the school gate" in html and "Deeper than 5 cm" in html
    assert 'action="/requests/' not in html, "nothing to support, follow or comment yet"
    assert Client().get(f"/requests/{public_id}/").status_code == 404
    spanish = client.get(f"/requests/{public_id}/", headers={"accept-language": "es"})
    assert "Esperando su confirmación." in spanish.content.decode()


def closed_request(city, client, email="me@example.org"):
    """A fixed request this browser reported."""
    client.post(f"/{city.jurisdiction.slug}/report/", {**REPORT, "email": ""})
    [request] = [r for r in city.pothole.requests.all()]
    transition(
        request=request, to_status=Status.CLOSED, close_reason=CloseReason.FIXED, actor="crew"
    )
    return request


def test_still_broken_takes_a_reason_and_a_photo_stripped_of_its_metadata(client, city):
    request = closed_request(city, client)
    url = request.get_absolute_url()
    assert "What is still wrong?" in client.get(url).content.decode()

    response = client.post(
        url + "reopen/",
        {
            "reopen-reason": "The patch sank again after the rain",
            "reopen-photo": SimpleUploadedFile("now.jpg", gps_jpeg(), "image/jpeg"),
        },
    )

    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == Status.IN_PROGRESS
    event = request.events.filter(kind=Event.Kind.STATUS_CHANGED).last()
    assert event.text == "The patch sank again after the rain" and event.public
    photo = Photo.objects.get(event=event)
    stored = Image.open(photo.image.open("rb"))
    assert not stored.getexif() and "comment" not in stored.info
    page = Client().get(url).content.decode()
    assert "The patch sank again after the rain" in page and photo.image.url in page
    assert "<figcaption>After</figcaption>" not in page, "not the after-work photo"


def test_still_broken_without_a_reason_and_with_a_bad_photo(client, city):
    request = closed_request(city, client)
    url = request.get_absolute_url()

    bad = client.post(
        url + "reopen/", {"reopen-photo": SimpleUploadedFile("x.jpg", b"not a photo")}
    )
    assert bad.status_code == 400
    assert 'id="id_reopen-photo_errors"' in bad.content.decode()
    request.refresh_from_db()
    assert request.status == Status.CLOSED

    client.post(url + "reopen/", {})
    request.refresh_from_db()
    assert request.status == Status.IN_PROGRESS
    assert "still there" in request.events.filter(kind="status_changed").last().text


def test_following_shows_following_and_unfollow(client, city):
    request = submit_pothole(city)
    url = request.get_absolute_url()
    resident = UserFactory(role=User.Role.RESIDENT, email="walker@example.org")
    client.force_login(resident)

    client.post(url + "follow/")
    html = client.get(url).content.decode()
    assert "Following" in html and "Unfollow" in html
    assert 'action="/requests/' + request.public_id + '/follow/"' not in html

    client.post(url + "unfollow/")
    assert not Follow.objects.filter(request=request, active=True).exists()
    html = client.get(url).content.decode()
    assert "Unfollow" not in html and ">Follow</button>" in html


def test_the_answers_to_the_questions_are_shown_by_their_labels(client, city):
    request = submit_pothole(city, attributes={"depth": "deep"})
    html = client.get(request.get_absolute_url()).content.decode()
    assert "How deep is it?" in html and "Deeper than 5 cm" in html
    assert ">deep<" not in html


def test_area_kinds_read_as_words(client, city):
    Area.objects.filter(pk=city.west.pk).update(kind="council-district")
    area = client.get(f"/{city.jurisdiction.slug}/areas/council-district/1/").content.decode()
    map_page = client.get(f"/{city.jurisdiction.slug}/").content.decode()
    spanish = client.get(
        f"/{city.jurisdiction.slug}/areas/council-district/1/", headers={"accept-language": "es"}
    ).content.decode()

    assert "Council district" in area and "Council district" in map_page
    assert "council-district</" not in map_page and "Distrito municipal" in spanish


def test_the_404_page_has_the_sites_look_in_spanish(client, city):
    response = client.get("/requests/ZZZZ-ZZZZ/", headers={"accept-language": "es"})

    html = response.content.decode()
    assert response.status_code == 404
    assert "No encontramos esta página" in html and "site-header" in html
    assert 'lang="es"' in html


def test_the_500_page_needs_no_database(rf, django_assert_num_queries, settings):
    from django.utils import translation

    with translation.override("es"), django_assert_num_queries(0):
        response = server_error(rf.get("/"))

    html = response.content.decode()
    assert response.status_code == 500
    assert "Algo ha fallado por nuestra parte" in html and "site.css" in html
