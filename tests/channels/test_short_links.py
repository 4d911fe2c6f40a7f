"""Short links from a map app's "Share" (maps.app.goo.gl/…) are followed to the place they
stand for, against a loopback stand-in for the provider: only to listed short-link hosts,
never into a private network, a few quick hops at most; else the resident is asked for the
address, as for any link whose place cannot be read."""

import pytest

from fixboard.channels import locations
from fixboard.channels.locations import follow_short_link, map_link
from fixboard.reports.models import ServiceRequest
from tests.factories import INSIDE_WEST

from .conftest import reply_to
from .shortlinks import ShortLinks

pytestmark = pytest.mark.django_db

# Where Google's short links lead: the pin (!3d…!4d…) is INSIDE_WEST, the view elsewhere.
PIN = (
    "https://www.google.com/maps/place/1900+E+4th+St/@34.0400,-118.2100,17z/"
    "data=!3m1!4b1!4m5!3m4!1s0x0:0x0!8m2!3d34.05!4d-118.25"
)
UNREADABLE = "We cannot read a place from that link. Reply with the address"


@pytest.fixture
def links(settings):
    server = ShortLinks()
    settings.MAP_SHORT_LINK_HOSTS = ["127.0.0.1"]
    yield server
    server.stop()


def test_a_short_link_is_followed_to_the_place_and_the_request_is_made_there(city, client, links):
    links.routes = {"/AbCd": (302, "/hop"), "/hop": (301, PIN)}  # a relative hop, then Google
    assert "Where is it?" in reply_to(client, "Graffiti all over the wall")
    confirm = reply_to(client, f"Here {links.url}/AbCd")
    assert "Report Graffiti at 1900 E 4th St" in confirm
    reply_to(client, "yes")
    (request,) = ServiceRequest.objects.all()
    assert (request.lat, request.long) == INSIDE_WEST
    assert request.description == "Graffiti all over the wall"
    assert links.asked == ["HEAD /AbCd", "HEAD /hop"]  # Google's own page is read, not asked


def test_the_link_may_come_with_the_first_text_and_head_may_be_refused(city, client, links):
    links.routes = {"/AbCd": {"HEAD": (405, None), "GET": (302, PIN)}}
    confirm = reply_to(client, f"graffiti on the wall {links.url}/AbCd")
    assert "Report Graffiti at 1900 E 4th St" in confirm
    assert "“graffiti on the wall”" in confirm, "the link is no part of the description"
    assert links.asked == ["HEAD /AbCd", "GET /AbCd"]


@pytest.mark.parametrize(
    ("routes", "asks"),
    [
        ({"/AbCd": (404, None)}, 2),  # an expired link (HEAD, then GET)
        ({"/AbCd": (302, "http://10.0.0.7/admin")}, 1),  # into a private network
        ({"/AbCd": (302, "http://169.254.169.254/latest/meta-data/")}, 1),  # cloud metadata
        ({"/AbCd": (302, "https://example.com/?q=34.05,-118.25")}, 1),  # not a map host
        ({"/AbCd": (302, "/AbCd")}, locations.MAX_HOPS),  # a loop: a few hops at most
    ],
)
def test_a_link_that_cannot_be_followed_asks_for_the_address(city, client, links, routes, asks):
    links.routes = routes
    reply_to(client, "graffiti")
    assert UNREADABLE in reply_to(client, f"{links.url}/AbCd")
    assert len(links.asked) == asks
    assert "Report Graffiti at 1900 E 4th St" in reply_to(client, "1900 east 4th street")


def test_a_listed_name_that_resolves_to_a_private_address_is_never_asked(
    city, client, links, settings
):
    settings.MAP_SHORT_LINK_HOSTS = ["localhost"]
    links.routes = {"/AbCd": (302, PIN)}
    reply_to(client, "graffiti")
    assert UNREADABLE in reply_to(client, f"http://localhost:{links.port}/AbCd")
    assert links.asked == []


def test_a_slow_provider_is_given_up_quickly(links, monkeypatch):
    monkeypatch.setattr(locations, "HOP_TIMEOUT", 0.2)
    links.routes, links.hang = {"/AbCd": (None, None)}, 1.0
    assert follow_short_link(f"{links.url}/AbCd") == ""


def test_only_listed_hosts_are_followed(settings):
    settings.MAP_SHORT_LINK_HOSTS = []
    # Still a map link (the resident meant a place), but not one we may follow.
    link = map_link("https://maps.app.goo.gl/AbCdEf123")
    assert link and follow_short_link(link) == ""
    assert map_link("https://notgoo.gl/AbCd") == ""  # a host merely ending like one
