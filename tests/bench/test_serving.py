"""Helpers of the serving benchmarks (the served figures themselves are checked on the smoke
run's page, tests/bench/test_bench.py)."""

import pytest

from bench.web import REFERENCES, _viewport


@pytest.mark.parametrize(
    ("zoom", "width"),
    [(14, 1280 * 360 / 256 / 2**14), (17, 1280 * 360 / 256 / 2**17)],
)
def test_viewport_is_a_screen_wide_at_that_zoom(zoom, width):
    box = _viewport(34.05, -118.25, zoom)

    assert box["east"] - box["west"] == pytest.approx(width)
    assert box["south"] < 34.05 < box["north"]
    assert box["north"] - box["south"] < width  # latitude degrees are longer at 34°N


def test_asset_references_are_found_in_either_attribute_order():
    html = (
        '<link rel="stylesheet" href="/static/fixboard/site.1a.css">'
        '<script defer src="/static/fixboard/report.2b.js"></script>'
        '<link href="/static/vendor/leaflet-1.9.4/leaflet.3c.css" rel="stylesheet">'
        '<a href="/static/fixboard/not-an-asset.html">'
    )

    assert REFERENCES.findall(html) == [
        "/static/fixboard/site.1a.css",
        "/static/fixboard/report.2b.js",
        "/static/vendor/leaflet-1.9.4/leaflet.3c.css",
    ]
