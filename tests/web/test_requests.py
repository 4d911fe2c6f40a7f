"""The request page's actions: me too, follow, comment, reopen; area pages and the list."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from fixboard.reports.actions import (
    ContactDetails,
    add_update,
    confirm_follow,
    transition,
    upsert_contact,
)
from fixboard.reports.confirmations import confirm_comment
from fixboard.reports.models import CloseReason, Contact, Event, Follow, Status
from tests.factories import INSIDE_EAST, submit_pothole

pytestmark = pytest.mark.django_db


def test_request_page_shows_the_sla_date_department_and_city_updates(client, city):
    request = submit_pothole(city)
    add_update(request=request, text="Crew booked for Tuesday.", actor="crew")

    html = client.get(request.get_absolute_url()).content.decode()

    assert "Expected by" in html and "Streets" in html
    assert "Update from the city" in html and "Crew booked for Tuesday." in html


def test_me_too_counts_once_per_browser(client, city):
    request = submit_pothole(city)
    url = request.get_absolute_url()

    client.post(url + "support/")
    client.post(url + "support/")

    request.refresh_from_db()
    assert request.support_count == 1
    assert "You support this request." in client.get(url).content.decode()


def test_follow_by_email_and_a_bad_email_is_explained(client, city):
    request = submit_pothole(city)
    url = request.get_absolute_url()

    bad = client.post(url + "follow/", {"follow-email": "not-an-email"})
    good = client.post(url + "follow/", {"follow-email": "Neighbour@Example.org"})

    assert bad.status_code == 400 and "Enter a valid email address." in bad.content.decode()
    assert good.status_code == 302
    assert not Follow.objects.exists(), "a typed address follows once it confirms by e-mail"
    asked = request.events.get(kind=Event.Kind.FOLLOW_REQUESTED)
    assert asked.actor_contact.email == "neighbour@example.org"


def test_comments_wait_for_their_authors_link_escaped_and_without_the_email(client, city):
    request = submit_pothole(city)
    url = request.get_absolute_url()

    client.post(
        url + "comment/",
        {"comment-text": "Still there <b>today</b>", "comment-email": "c@example.org"},
    )

    html = client.get(url).content.decode()
    assert "waiting for your confirmation" in html  # this browser's own, until the link
    assert "Still there &lt;b&gt;today&lt;/b&gt;" in html
    assert "Still there" not in Client().get(url).content.decode()
    comment = request.events.get(kind=Event.Kind.PUBLIC_UPDATE)
    confirm_comment(comment=comment)
    html = Client().get(url).content.decode()
    assert "Comment from a resident" in html
    assert "Still there &lt;b&gt;today&lt;/b&gt;" in html
    assert "c@example.org" not in html


def test_reopen_is_for_reporters_and_followers_within_thirty_days(client, city):
    request = submit_pothole(city)
    transition(
        request=request, to_status=Status.CLOSED, close_reason=CloseReason.FIXED, actor="crew"
    )
    url = request.get_absolute_url()

    client.post(url + "reopen/")
    request.refresh_from_db()
    assert request.status == Status.CLOSED, "a stranger cannot reopen"

    client.post(url + "follow/", {"follow-email": "me@example.org"})
    assert "Still broken?" not in client.get(url).content.decode(), "not before confirming"
    confirm_follow(request=request, contact=Contact.objects.get(email="me@example.org"))
    assert "Still broken?" in client.get(url).content.decode()
    client.post(url + "reopen/")

    request.refresh_from_db()
    assert request.status == Status.IN_PROGRESS
    last = request.events.filter(kind=Event.Kind.STATUS_CHANGED).last()
    assert (last.from_status, last.to_status) == (Status.CLOSED, Status.IN_PROGRESS)


def test_no_reopen_after_thirty_days(client, city):
    request = submit_pothole(city)
    transition(
        request=request,
        to_status=Status.CLOSED,
        close_reason=CloseReason.FIXED,
        actor="crew",
        at=timezone.now() - timedelta(days=31),
    )
    url = request.get_absolute_url()
    client.post(url + "follow/", {"follow-email": "me@example.org"})
    confirm_follow(request=request, contact=Contact.objects.get(email="me@example.org"))

    assert "Still broken?" not in client.get(url).content.decode()


def test_area_page_lists_open_and_recently_fixed(client, city):
    open_one = submit_pothole(city, description="Open in the west")
    fixed = submit_pothole(city, description="Fixed in the west")
    submit_pothole(city, at=INSIDE_EAST, description="Open in the east")
    transition(request=fixed, to_status=Status.CLOSED, close_reason=CloseReason.FIXED, actor="x")

    page = client.get(f"/{city.jurisdiction.slug}/areas/ward/{city.west.code}/")

    assert [r["public_id"] for r in page.context["open"]] == [open_one.public_id]
    assert [r["public_id"] for r in page.context["fixed"]] == [fixed.public_id]
    assert "Open in the east" not in page.content.decode()


def test_list_pages_through_every_request_once(client, city, monkeypatch):
    monkeypatch.setattr("fixboard.web.views.maps.PAGE_SIZE", 2)
    made = {submit_pothole(city).public_id for _ in range(5)}
    seen, query = [], {}
    while True:
        page = client.get(f"/{city.jurisdiction.slug}/list/", query)
        seen += [r["public_id"] for r in page.context["rows"]]
        if not page.context["next_query"]:
            break
        query = dict(pair.split("=", 1) for pair in page.context["next_query"].split("&"))
        query = {k: v.replace("%3A", ":").replace("%2B", "+") for k, v in query.items()}
    assert sorted(seen) == sorted(made)


def test_pages_in_spanish(client, city):
    request = submit_pothole(city)
    home = client.get("/", HTTP_ACCEPT_LANGUAGE="es")
    page = client.get(request.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="es")
    report = client.get(f"/{city.jurisdiction.slug}/report/", HTTP_ACCEPT_LANGUAGE="es")

    assert "Informar de un problema" in home.content.decode()
    assert "Cronología" in page.content.decode() and "Previsto para" in page.content.decode()
    assert "¿Dónde está?" in report.content.decode()


def test_a_signed_in_reporter_may_reopen_from_another_browser(client, city):
    from tests.factories import UserFactory

    user = UserFactory(email="ana@example.org")
    user.save()  # the factory sets the password without saving it; the session checks it
    request = submit_pothole(city, email="ana@example.org")
    transition(
        request=request, to_status=Status.CLOSED, close_reason=CloseReason.FIXED, actor="crew"
    )
    client.force_login(user)

    assert "Still broken?" in client.get(request.get_absolute_url()).content.decode()


def test_typing_a_follower_s_address_does_not_reveal_it_nor_allow_reopening(client, city):
    request = submit_pothole(city)
    follower = upsert_contact(ContactDetails(email="me@example.org"))
    confirm_follow(request=request, contact=follower)
    transition(
        request=request, to_status=Status.CLOSED, close_reason=CloseReason.FIXED, actor="crew"
    )
    url = request.get_absolute_url()

    client.post(url + "follow/", {"follow-email": "me@example.org"})

    assert "Still broken?" not in client.get(url).content.decode()
