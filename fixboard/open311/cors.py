"""Cross-origin reads of Open311: any web page may GET it (as FixMyStreet's server allows);
POSTs need an api_key and stay out of browsers' reach.

django-cors-headers asks `check_request_enabled`; it then adds
`Access-Control-Allow-Origin: *` (settings.CORS_ALLOW_ALL_ORIGINS) and answers the
preflight of a GET itself. A preflight for anything else reaches the view, which answers
it with `Allow` but no CORS header, so the browser does not send the write.
"""

from corsheaders.signals import check_request_enabled

SAFE_METHODS = {"GET", "HEAD"}
PREFIX = "/open311/"


def allow_reads(sender, request, **kwargs) -> bool:
    if not request.path_info.startswith(PREFIX):
        return False
    if request.method == "OPTIONS":
        wanted = request.headers.get("access-control-request-method", "GET")
        return wanted.upper() in SAFE_METHODS
    return request.method in SAFE_METHODS


def connect() -> None:
    check_request_enabled.connect(allow_reads, dispatch_uid="fixboard.open311.cors")
