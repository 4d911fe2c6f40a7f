"""The links that send callers online: for the on-hold message, the IVR script and texts."""

import io
from base64 import b64encode
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.urls import reverse

from fixboard.places.models import Jurisdiction


@dataclass(frozen=True)
class OnlineLinks:
    report: str  # full URL
    track: str
    short: str  # as read out: host and path, no scheme
    qr_code: str  # data: URI of an SVG


@lru_cache(maxsize=64)
def _qr_data_uri(url: str) -> str:
    # Drawn once per address and process: the console shows it on every step.
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, border=2, box_size=10)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + b64encode(buffer.getvalue()).decode()


def online_links(jurisdiction: Jurisdiction) -> OnlineLinks:
    report = settings.SITE_URL + reverse("web:report", args=[jurisdiction.slug])
    parts = urlsplit(report)
    return OnlineLinks(
        report=report,
        track=settings.SITE_URL + reverse("web:track"),
        short=(parts.netloc + parts.path).rstrip("/"),
        qr_code=_qr_data_uri(report),
    )


def track_url(public_id: str) -> str:
    return settings.SITE_URL + reverse("web:request", args=[public_id])
