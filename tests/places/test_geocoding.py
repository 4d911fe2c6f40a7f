"""The external geocoder, asked only when the index knows nothing: a Nominatim-shaped
server on 127.0.0.1 stands in for the real one."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.cache import cache

from fixboard.places.addresses import record_addresses
from fixboard.places.search import nearest_address, search_addresses
from tests.factories import INSIDE_WEST

pytestmark = pytest.mark.django_db

CITY_HALL = {
    "lat": "34.0537",
    "lon": "-118.2428",
    "display_name": "200, North Spring Street, Civic Center, Los Angeles, CA, 90012, USA",
    "address": {"house_number": "200", "road": "North Spring Street", "postcode": "90012"},
}
EIFFEL = CITY_HALL | {"lat": "48.8584", "lon": "2.2945"}


class Nominatim(BaseHTTPRequestHandler):
    asked: list[str] = []
    at: list[float] = []  # when each question came
    status = 200

    def do_GET(self):
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        Nominatim.at.append(time.time())
        Nominatim.asked.append(url.path + " " + query.get("q", [""])[0])
        if Nominatim.status != 200:
            self.send_response(Nominatim.status)
            self.end_headers()
            return
        body = [CITY_HALL, EIFFEL] if url.path == "/search" else CITY_HALL
        if "nowhere" in query.get("q", [""])[0]:
            body = []
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def nominatim(settings):
    server = ThreadingHTTPServer(("127.0.0.1", 0), Nominatim)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    Nominatim.asked, Nominatim.at, Nominatim.status = [], [], 200
    settings.GEOCODER = "nominatim"
    settings.GEOCODER_URL = f"http://127.0.0.1:{server.server_port}"
    settings.GEOCODER_MIN_DELAY = 0
    cache.clear()
    yield Nominatim
    server.shutdown()
    server.server_close()
    cache.clear()


def test_off_by_default(city):
    assert search_addresses(city.jurisdiction, "200 n spring") == []
    assert nearest_address(city.jurisdiction, 34.0537, -118.2428) is None


def test_asked_only_when_the_index_finds_nothing_and_cached(city, nominatim):
    record_addresses(jurisdiction=city.jurisdiction, addresses=[("1 MAIN ST", "", *INSIDE_WEST)])
    assert search_addresses(city.jurisdiction, "1 main")[0].source == "index"
    assert nominatim.asked == []

    found = search_addresses(city.jurisdiction, "200 n spring")
    # Paris is dropped: not in the jurisdiction.
    assert [(m.address, m.zipcode, m.lat, m.source) for m in found] == [
        ("200 North Spring Street", "90012", 34.0537, "geocoder")
    ]
    assert nominatim.asked == ["/search 200 n spring, Testville"]
    assert search_addresses(city.jurisdiction, "200 N Spring") == found  # from the cache
    assert len(nominatim.asked) == 1

    assert search_addresses(city.jurisdiction, "nowhere street") == []
    assert search_addresses(city.jurisdiction, "nowhere street") == []
    assert len(nominatim.asked) == 2  # "found nothing" is cached too

    corner = nearest_address(city.jurisdiction, 34.0537, -118.2428)
    assert corner.address == "200 North Spring Street" and corner.source == "geocoder"
    assert nearest_address(city.jurisdiction, *INSIDE_WEST).source == "index"


def test_a_failing_geocoder_is_nothing_found_and_not_cached(city, nominatim):
    nominatim.status = 500
    assert search_addresses(city.jurisdiction, "200 n spring") == []
    nominatim.status = 200
    assert search_addresses(city.jurisdiction, "200 n spring")[0].zipcode == "90012"


def test_questions_are_spaced_by_the_minimum_delay_of_the_whole_installation(
    city, nominatim, settings
):
    settings.GEOCODER_MIN_DELAY = 0.3
    for text in ("200 n spring", "201 n spring", "202 n spring"):
        search_addresses(city.jurisdiction, text)
    times = nominatim.at
    assert len(times) == 3
    assert all(b - a >= 0.3 - 0.03 for a, b in zip(times, times[1:], strict=False)), times


def test_a_geocoder_busy_with_other_processes_is_nothing_found_and_not_cached(
    city, nominatim, settings
):
    from django.core.cache import caches

    settings.GEOCODER_MIN_DELAY, settings.GEOCODER_TIMEOUT = 1.0, 2.0
    store = caches[settings.RATELIMIT_USE_CACHE]
    running = int(time.time())
    for slot in range(running, running + 4):  # other processes have the next turns
        store.add(f"pacing:geocoder:nominatim:{slot}", 1, timeout=120)

    assert search_addresses(city.jurisdiction, "200 n spring") == []
    assert nominatim.asked == []
    time.sleep(max(0.0, running + 4 - time.time()))  # those turns are over
    assert search_addresses(city.jurisdiction, "200 n spring")[0].zipcode == "90012"
    assert len(nominatim.asked) == 1
