"""Cross-origin reads: any web page may GET the public API; writes stay same-origin.

django-cors-headers asks `check_request_enabled`; settings.CORS_URLS_REGEX matches nothing,
so only what this handler allows is shared.
"""

from corsheaders.signals import check_request_enabled

SAFE_METHODS = {"GET", "HEAD"}
PREFIX = "/api/v1/"


# The CSRF token belongs to this site's own pages only.
PRIVATE = {PREFIX + "csrf"}


def allow_read_only_api(sender, request, **kwargs) -> bool:
    if not request.path_info.startswith(PREFIX) or request.path_info in PRIVATE:
        return False
    if request.method == "OPTIONS":
        wanted = request.headers.get("access-control-request-method", "GET")
        return wanted.upper() in SAFE_METHODS
    return request.method in SAFE_METHODS


def connect() -> None:
    check_request_enabled.connect(allow_read_only_api, dispatch_uid="fixboard.api.cors")
