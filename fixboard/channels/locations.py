"""Places residents text as links from their phone's map app: "Share location" in Google
Maps or Apple Maps, a `geo:` URI (RFC 5870) from Android apps, or a short link
(maps.app.goo.gl/…) followed to the map link it stands for."""

import ipaddress
import re
import socket
from urllib.parse import parse_qs, unquote, urljoin, urlsplit

import requests
from django.conf import settings

_LINK = re.compile(r"(geo:[^\s]+|https?://[^\s]+)", re.IGNORECASE)
_PAIR = re.compile(r"^\s*(-?\d{1,2}(?:\.\d+)?)\s*,\s*(-?\d{1,3}(?:\.\d+)?)")
_AT = re.compile(r"@(-?\d{1,2}\.\d+),(-?\d{1,3}\.\d+)")  # Google: /maps/place/…/@34.04,-118.2,17z
_DATA = re.compile(r"!3d(-?\d{1,2}\.\d+)!4d(-?\d{1,3}\.\d+)")  # Google: the pin, not the view
# Query parameters that hold "lat,long", best first: Google (query, q, ll), Apple (ll, q,
# coordinate, sll, daddr).
_KEYS = ("query", "q", "ll", "coordinate", "daddr", "sll", "center")
# Short links stand for a place only the provider knows: they are followed (hosts in
# MAP_SHORT_LINK_HOSTS only) to the map link they redirect to, which has the place.
SHORT_LINK_HOSTS = ("maps.app.goo.gl", "goo.gl")
MAX_HOPS = 4
HOP_TIMEOUT = 3.0  # seconds; the provider waits about 15 for the reply to a text
REDIRECTS = frozenset({301, 302, 303, 307, 308})


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


def _host_in(host: str, hosts) -> bool:
    host = host.lower().rstrip(".")
    return any(host == h or host.endswith("." + h) for h in hosts)


def _short_hosts() -> tuple[str, ...]:
    return (*SHORT_LINK_HOSTS, *(h.lower() for h in settings.MAP_SHORT_LINK_HOSTS))


def is_short(url: str) -> bool:
    return _host_in(urlsplit(url).hostname or "", _short_hosts())


def _is_full_map(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    return host in ("maps.apple.com", "maps.google.com") or (
        host.startswith(("www.google.", "google.")) and "/maps" in url
    )


def _is_map(url: str) -> bool:
    return is_short(url) or _is_full_map(url)


def point_of(link: str) -> tuple[float, float] | None:
    """The latitude and longitude a map link or geo: URI points at, or None."""
    if link.lower().startswith("geo:"):
        return _from_geo(link)
    return _from_web(link)


def _may_ask(host: str, port: int) -> bool:
    """Whether a short link's host may be asked: an address listed in MAP_SHORT_LINK_HOSTS
    is trusted as listed (a local stand-in); a name must resolve to public addresses only,
    so a link cannot make us call into the city's own network."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return host in settings.MAP_SHORT_LINK_HOSTS
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError:
        return False
    return bool(found) and all(
        ipaddress.ip_address(info[4][0].split("%")[0]).is_global for info in found
    )


def _next_hop(url: str) -> str:
    """Where a short link redirects, or "" when it does not."""
    headers = {"User-Agent": "Fixboard (map link)"}
    answer = requests.head(url, allow_redirects=False, timeout=HOP_TIMEOUT, headers=headers)
    if answer.status_code not in REDIRECTS:  # some refuse HEAD: ask as a browser does
        with requests.get(
            url, allow_redirects=False, timeout=HOP_TIMEOUT, headers=headers, stream=True
        ) as answer:
            pass  # the headers are enough; the body is never read
    location = answer.headers.get("Location", "")
    return urljoin(url, location) if answer.status_code in REDIRECTS and location else ""


def follow_short_link(url: str) -> str:
    """The map link a short link redirects to, or "" when it cannot be followed: hosts of
    MAP_SHORT_LINK_HOSTS only, at most MAX_HOPS redirects of HOP_TIMEOUT each, and the
    last one must be a known map host's link (which is read, never asked)."""
    hosts = [h.lower() for h in settings.MAP_SHORT_LINK_HOSTS]
    for _hop in range(MAX_HOPS):
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if parts.scheme not in ("http", "https") or not _host_in(host, hosts):
            return url if _is_full_map(url) else ""
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
            if not _may_ask(host, port):
                return ""
            url = _next_hop(url)
        except (requests.RequestException, ValueError):
            return ""
        if not url:
            return ""
    return url if _is_full_map(url) else ""


def expand_short_link(text: str) -> str:
    """`text` with its map short link replaced by the map link it stands for, when it can
    be followed; otherwise as it is (the link then reads as a place nobody can read)."""
    link = map_link(text)
    if not link or not is_short(link):
        return text
    target = follow_short_link(link)
    return text.replace(link, target) if target else text
