"""Conditional GET for Open311 pollers: `ETag` and `Last-Modified` in, 304 out.

An ETag is a digest of the answer's own content (the rendered body, or the records before
rendering), so it is exact whatever changed: a request's status, a service's name, a
translation. Django's `get_conditional_response` applies RFC 9110's order (If-None-Match
wins over If-Modified-Since).
"""

from hashlib import blake2b

from django.http import HttpResponse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date


def etag_of(*parts: bytes) -> str:
    digest = blake2b(digest_size=16)
    for part in parts:
        digest.update(part)
    return f'"{digest.hexdigest()}"'


def asks_by_date(request) -> bool:
    """Whether the client's If-Modified-Since alone decides (no If-None-Match sent)."""
    return "HTTP_IF_MODIFIED_SINCE" in request.META and "HTTP_IF_NONE_MATCH" not in request.META


def unchanged(request, *, etag: str, last_modified: float | None = None) -> HttpResponse | None:
    """The 304 (or 412) when the client's copy is current, with its validators; else None."""
    answer = get_conditional_response(request, etag=etag, last_modified=last_modified)
    if answer is not None:
        validate(answer, etag=etag, last_modified=last_modified)
    return answer


def validate(response: HttpResponse, *, etag: str, last_modified: float | None = None) -> None:
    """Put the validators on an answer; `no-cache` so that proxies ask again every time."""
    response["ETag"] = etag
    if last_modified is not None:
        response["Last-Modified"] = http_date(last_modified)
    response["Cache-Control"] = "no-cache"
