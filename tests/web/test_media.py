"""Photos are served only while anyone may see them, by Django or through nginx."""

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from fixboard.reports.actions import add_update, hide_comment
from tests.factories import UserFactory, submit_pothole
from tests.reports.test_photos import jpeg

pytestmark = pytest.mark.django_db


def photo_of(event):
    return event.photos.get().image.url


def test_photos_of_a_hidden_comment_or_an_internal_note_are_not_served(city):
    request = submit_pothole(city)
    clerk = UserFactory(is_superuser=True, is_staff=True)
    comment = add_update(request=request, text="Look", actor=None, photo=(jpeg(), "a.jpg"))
    note = add_update(
        request=request, text="Ours", actor=clerk, public=False, photo=(jpeg(), "b.jpg")
    )
    client = Client()

    shown = client.get(photo_of(comment))
    assert shown.status_code == 200
    assert shown["Content-Type"] == "image/jpeg"
    assert "public" in shown["Cache-Control"]
    assert client.get(photo_of(note)).status_code == 404

    hide_comment(comment=comment, actor=clerk, reason="Shows a face")
    assert client.get(photo_of(comment)).status_code == 404
    assert client.get("/media/photos/../../etc/passwd").status_code == 404


def test_staff_who_may_view_photos_see_hidden_ones_uncached(city):
    request = submit_pothole(city, awaiting_confirmation=True, photos=[(jpeg(), "a.jpg")])
    url = request.photos.get().image.url
    moderator = UserFactory(is_staff=True)
    moderator.user_permissions.add(Permission.objects.get(codename="view_photo"))
    client = Client()
    client.force_login(moderator)

    response = client.get(url)

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert Client().get(url).status_code == 404


def test_nginx_sends_the_file_once_the_app_allows_it(city, settings):
    settings.MEDIA_ACCEL_REDIRECT = "/protected-media/"
    request = submit_pothole(city, photos=[(jpeg(), "a.jpg")])
    name = request.photos.get().image.name

    response = Client().get(f"/media/{name}")

    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/protected-media/{name}"
    assert response.content == b""
