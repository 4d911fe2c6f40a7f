"""Places residents text as links from their phone's map app: "Share location" in Google
Maps or Apple Maps, or a `geo:` URI (RFC 5870) from Android apps."""

import re
from urllib.parse import parse_qs, unquote, urlsplit

_LINK = re.compile(r"(geo:[^\s]+|https?://[^\s]+)", re.IGNORECASE)
_PAIR = re.compile(r"^\s*(-?\d{1,2}(?:\.\d+)?)\s*,\s*(-?\d{1,3}(?:\.\d+)?)")
_AT = re.compile(r"@(-?\d{1,2}\.\d+),(-?\d{1,3}\.\d+)")  # Google: /maps/place/…/@34.04,-118.2,17z
_DATA = re.compile(r"!3d(-?\d{1,2}\.\d+)!4d(-?\d{1,3}\.\d+)")  # Google: the pin, not the view
# Query parameters that hold "lat,long", best first: Google (query, q, ll), Apple (ll, q,
# coordinate, sll, daddr).
_KEYS = ("query", "q", "ll", "coordinate", "daddr", "sll", "center")
# Short links stand for a place only the provider knows: following them means asking the
# provider, so the resident is asked for the address instead.
SHORT_LINK_HOSTS = ("maps.app.goo.gl", "goo.gl")


def _pair(text: str) -> tuple[float, float] | None:
    found = _PAIR.match(unquote(text).replace("+", ""))
    if not found:
        return None
    lat, long = float(found.group(1)), float(found.group(2))
    if -90 <= lat <= 90 and -180 <= long <= 180 and (lat, long) != (0.0, 0.0):
        return lat, long
    return None


def _from_geo(uri: str) -> tuple[float, float] | None:
    # geo:34.05,-118.25;u=35  or  geo:0,0?q=34.05,-118.25(Pothole)
    body = uri[4:]
    path, _sep, query = body.partition("?")
    return _pair(path) or next((p for q in parse_qs(query).get("q", []) if (p := _pair(q))), None)


def _from_web(url: str) -> tuple[float, float] | None:
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    path = unquote(parts.path)
    if found := _DATA.search(path) or _DATA.search(url):
        return float(found.group(1)), float(found.group(2))
    for key in _KEYS:
        for value in query.get(key, []):
            if point := _pair(value):
                return point
    if found := _AT.search(path):
        return float(found.group(1)), float(found.group(2))
    return None


def map_link(text: str) -> str:
    """The first map link or geo: URI in a text, or ""."""
    for link in _LINK.findall(text):
        if link.lower().startswith("geo:") or _is_map(link):
            return link.rstrip(".,;)")
    return ""


def _is_map(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    return (
        host.endswith(SHORT_LINK_HOSTS)
        or host in ("maps.apple.com", "maps.google.com")
        or (host.startswith(("www.google.", "google.")) and "/maps" in url)
    )


def point_of(link: str) -> tuple[float, float] | None:
    """The latitude and longitude a map link or geo: URI points at, or None."""
    if link.lower().startswith("geo:"):
        return _from_geo(link)
    return _from_web(link)
