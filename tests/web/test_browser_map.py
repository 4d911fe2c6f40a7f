"""The map and the report pin in a real browser, over tiles from a stand-in tile server."""

import io
import re
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.management import call_command
from django.utils import timezone
from PIL import Image, ImageDraw
from playwright.sync_api import expect

from fixboard.places.addresses import record_addresses
from fixboard.reports.actions import transition
from fixboard.reports.models import CloseReason, Status
from tests.browser import DESKTOP, PHONE, axe_violations, screenshot
from tests.factories import INSIDE_WEST, make_city, submit_pothole

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _tile() -> bytes:
    """A 256-pixel tile that looks like a street grid, the same for every z/x/y."""
    image = Image.new("RGB", (256, 256), "#f2efe9")
    draw = ImageDraw.Draw(image)
    for at in (40, 168):
        draw.line([(0, at), (256, at)], fill="#c9c2b8", width=12)
        draw.line([(0, at), (256, at)], fill="#ffffff", width=8)
        draw.line([(at, 0), (at, 256)], fill="#c9c2b8", width=12)
        draw.line([(at, 0), (at, 256)], fill="#ffffff", width=8)
    draw.rectangle([70, 70, 140, 140], fill="#d8e8c8")  # a park
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def tile_server(settings):
    """A local XYZ tile server, set as the map's tiles; its value lists the paths asked for."""
    body, asked = _tile(), []

    class Tiles(BaseHTTPRequestHandler):
        def do_GET(self):
            asked.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Tiles)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.MAP_TILE_URL = f"http://127.0.0.1:{server.server_port}/{{z}}/{{x}}/{{y}}.png"
    settings.MAP_TILE_ATTRIBUTION = "&copy; Stand-in tiles for tests"
    yield asked
    server.shutdown()
    server.server_close()


@pytest.fixture
def hashed_static(settings):
    """Static files as deployed: collected with their content hashes in their names."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)
    # The test server serves static files through the finders: let them find the copies.
    settings.STATICFILES_DIRS = [settings.STATIC_ROOT]


def answers(page) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    page.on("response", lambda r: found.append((r.status, r.url)))
    page.on("requestfailed", lambda r: found.append((0, r.url)))
    return found


def no_serious_axe(page):
    violations = axe_violations(page)
    assert violations == [], violations


@pytest.mark.parametrize("viewport, size", [(PHONE, "phone"), (DESKTOP, "desktop")])
def test_the_report_pin_shows_and_every_asset_answers(
    new_page, hashed_static, tile_server, viewport, size
):
    city = make_city()
    record_addresses(
        jurisdiction=city.jurisdiction,
        addresses=[("2111 W Bellevue Ave, Los Angeles, CA 90026", "90026", 34.0504, -118.1999)],
    )
    page = new_page(viewport=viewport)
    seen = answers(page)

    page.goto(f"/{city.jurisdiction.slug}/report/")
    page.locator("#report-map").click()  # its middle: about 34.0503, -118.1998
    expect(page.locator("#nearest-address")).to_contain_text("CA 90026")
    assert "90026 90026" not in page.locator("#nearest-address").inner_text()
    expect(page.locator("#id_address")).to_have_value("2111 W Bellevue Ave, Los Angeles, CA 90026")

    pin = page.locator("#report-map img.leaflet-marker-icon")
    expect(pin).to_be_visible()
    expect(page.locator("#report-map img.leaflet-marker-shadow")).to_be_attached()
    page.wait_for_load_state("networkidle")
    assert pin.evaluate("img => img.naturalWidth") > 0, "the pin's image did not load"
    assert "/static/vendor/leaflet-1.9.4/images/marker-icon" in pin.get_attribute("src")
    failed = [(status, url) for status, url in seen if not 200 <= status < 400]
    assert failed == []
    assert any(url.endswith(".png") and "/static/" in url for _s, url in seen)
    assert tile_server, "the map asked the tile server for nothing"
    screenshot(page, f"report-pin-{size}")
    no_serious_axe(page)


@pytest.fixture
def city_with_history(db):
    """Around one corner: three open, two fixed this week, one fixed two months ago."""
    city = make_city()
    now = timezone.now()
    made = [
        submit_pothole(city, at=(INSIDE_WEST[0] + i * 0.0002, INSIDE_WEST[1] + i * 0.0002))
        for i in range(6)
    ]
    for request, days in ((made[3], 2), (made[4], 3), (made[5], 60)):
        transition(
            request=request,
            to_status=Status.CLOSED,
            close_reason=CloseReason.FIXED,
            actor=None,
            at=now - timedelta(days=days),
        )
    return city


@pytest.mark.parametrize("viewport, size", [(PHONE, "phone"), (DESKTOP, "desktop")])
def test_the_map_shows_streets_what_is_going_on_and_coloured_groups(
    new_page, tile_server, city_with_history, viewport, size
):
    city = city_with_history
    page = new_page(viewport=viewport)
    seen = answers(page)

    page.goto(f"/{city.jurisdiction.slug}/")

    expect(page.locator("#map-status")).to_contain_text("5 requests in this view")
    expect(page.get_by_label("Show", exact=True)).to_have_value("recent")
    expect(page.locator(".leaflet-tile-loaded").first).to_be_visible()
    expect(page.locator(".leaflet-control-attribution")).to_contain_text("Stand-in tiles")
    group = page.locator(".agg-icon.agg-mixed").first
    expect(group).to_be_visible()
    expect(group).to_have_attribute("style", re.compile("--open:60%"))  # 3 of 5 open
    page.wait_for_load_state("networkidle")
    assert [(s, u) for s, u in seen if not 200 <= s < 400] == []
    screenshot(page, f"map-tiles-{size}")
    no_serious_axe(page)

    page.get_by_label("Show", exact=True).select_option("")
    page.get_by_role("button", name="Update map").click()
    expect(page.locator("#map-status")).to_contain_text("6 requests in this view")
    expect(page.get_by_label("Show", exact=True)).to_have_value("")
