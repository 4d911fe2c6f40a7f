"""The optional external geocoder, asked only when the address index knows nothing.

Any geopy service (settings.GEOCODER: "nominatim", "pelias", "arcgis"…) at
settings.GEOCODER_URL with settings.GEOCODER_KEY. Answers (empty ones too) are cached in
Django's cache for GEOCODER_CACHE_SECONDS. Calls are at least GEOCODER_MIN_DELAY seconds
apart across every web and worker process (fixboard.core.pacing, in the rate-limit store:
Redis or the database): Nominatim's public servers allow one a second from the whole
installation, not one per process. A call that would wait longer than GEOCODER_TIMEOUT for
its turn is not made. A geocoder that fails, times out or is too busy is the same as one
that found nothing: the person can still pick the place on the map. Places outside the
jurisdiction are dropped.
"""

import hashlib
import inspect
import logging
from functools import cache
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache as django_cache
from geopy.geocoders import get_geocoder_for_service

from fixboard.core.pacing import turn

from .models import Jurisdiction
from .spatial import area_index

logger = logging.getLogger(__name__)
FAILED = object()  # a failure is not cached: the service may answer next time


@cache
def _geocoder(service: str, url: str, key: str):
    """(geocode, reverse) of the configured service; built once per process."""
    geocoder_class = get_geocoder_for_service(service)
    accepted = inspect.signature(geocoder_class.__init__).parameters
    options = {"user_agent": settings.GEOCODER_USER_AGENT, "timeout": settings.GEOCODER_TIMEOUT}
    if url:
        parts = urlsplit(url)
        options.update(scheme=parts.scheme or "https", domain=parts.netloc + parts.path.rstrip("/"))
    if key:
        options["api_key"] = key
    geocoder = geocoder_class(**{k: v for k, v in options.items() if k in accepted})
    return geocoder.geocode, geocoder.reverse


def _service():
    if not settings.GEOCODER:
        return None
    return _geocoder(settings.GEOCODER, settings.GEOCODER_URL, settings.GEOCODER_KEY)


def _cache_key(*parts) -> str:
    text = "\x1f".join(str(p) for p in (settings.GEOCODER, *parts))
    return "geocoder:" + hashlib.sha256(text.encode()).hexdigest()


def _match(jurisdiction: Jurisdiction, location):
    from .search import AddressMatch

    if location is None:
        return None
    lat, long = location.latitude, location.longitude
    if area_index().locate(lat, long, jurisdiction.pk).jurisdiction_id != jurisdiction.pk:
        return None
    details = (location.raw or {}).get("address")
    if isinstance(details, dict) and details.get("road"):
        street = " ".join(filter(None, [details.get("house_number"), details["road"]]))
        zipcode = details.get("postcode", "")
    else:
        street, zipcode = location.address.split(",")[0], ""
    return AddressMatch(street, zipcode[:20], lat, long, source="geocoder")


def _ask(call, *args, **kwargs):
    waited = turn(
        f"geocoder:{settings.GEOCODER}",
        every=settings.GEOCODER_MIN_DELAY,
        patience=settings.GEOCODER_TIMEOUT,
    )
    if not waited:
        logger.warning("The geocoder %s is busy: too many asked at once", settings.GEOCODER)
        return FAILED
    try:
        return call(*args, **kwargs)
    except Exception:  # any failure of a remote service: the index's answer stands
        logger.warning("The geocoder %s did not answer", settings.GEOCODER, exc_info=True)
        return FAILED


def geocode(jurisdiction: Jurisdiction, text: str, limit: int = 8) -> list:
    """Places the external geocoder finds for the typed text in the jurisdiction."""
    service = _service()
    if service is None:
        return []
    key = _cache_key("search", jurisdiction.pk, " ".join(text.upper().split()), limit)
    cached = django_cache.get(key)
    if cached is not None:
        return cached
    options = {"exactly_one": False}
    if settings.GEOCODER == "nominatim":
        options.update(addressdetails=True, limit=limit)
    locations = _ask(service[0], f"{text}, {jurisdiction.name}", **options)
    if locations is FAILED:
        return []
    found = [m for m in (_match(jurisdiction, loc) for loc in locations or []) if m][:limit]
    django_cache.set(key, found, settings.GEOCODER_CACHE_SECONDS)
    return found


def reverse_geocode(jurisdiction: Jurisdiction, lat: float, long: float):
    """The external geocoder's address for a point in the jurisdiction, or None."""
    service = _service()
    if service is None:
        return None
    key = _cache_key("reverse", jurisdiction.pk, round(lat, 5), round(long, 5))
    cached = django_cache.get(key, "missing")
    if cached != "missing":
        return cached
    options = {"addressdetails": True} if settings.GEOCODER == "nominatim" else {}
    location = _ask(service[1], (lat, long), exactly_one=True, **options)
    if location is FAILED:
        return None
    found = _match(jurisdiction, location)
    django_cache.set(key, found, settings.GEOCODER_CACHE_SECONDS)
    return found
