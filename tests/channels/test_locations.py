"""Location links as phones' map apps share them."""

import pytest

from fixboard.channels.locations import map_link, point_of


@pytest.mark.parametrize(
    ("text", "point"),
    [
        ("geo:34.0522,-118.2437;u=35", (34.0522, -118.2437)),
        ("geo:0,0?q=34.05,-118.25(Pothole)", (34.05, -118.25)),
        ("https://maps.apple.com/?ll=34.0522,-118.2437&q=Dropped%20Pin", (34.0522, -118.2437)),
        ("https://maps.apple.com/?coordinate=34.05,-118.25", (34.05, -118.25)),
        ("https://maps.google.com/?q=34.05,-118.25", (34.05, -118.25)),
        ("https://www.google.com/maps/search/?api=1&query=34.05%2C-118.25", (34.05, -118.25)),
        # The pin (!3d…!4d…), not the centre of the view (@…).
        (
            "https://www.google.com/maps/place/1900+E+4th+St/@34.0390,-118.2150,17z/"
            "data=!3m1!4b1!4m5!3m4!1s0x0:0x0!8m2!3d34.0391!4d-118.2149",
            (34.0391, -118.2149),
        ),
    ],
)
def test_the_point_of_a_shared_location(text, point):
    assert point_of(map_link(f"It is here: {text}. Thanks")) == point


def test_what_is_no_map_link_is_left_alone():
    assert map_link("see https://example.com/?q=34.05,-118.25") == ""
    assert map_link("1900 E 4th St") == ""
    assert point_of("https://maps.apple.com/?q=Coffee") is None
    assert point_of("geo:0,0") is None
    assert point_of("geo:134.0,-18.0") is None


def test_a_short_link_is_a_map_link_with_no_point_in_it():
    # Only the provider knows where it leads: the resident is asked for the address.
    link = map_link("https://maps.app.goo.gl/AbCdEf123")
    assert link and point_of(link) is None
