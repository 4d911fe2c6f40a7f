"""Cross-origin reads: which public URLs any web page may GET.

django-cors-headers asks `check_request_enabled` of each request; a door connects one
handler for its URL prefix. Reads (and the preflight of a read) are shared; a preflight for
anything else is not, so browsers never send another site's writes.
"""

from corsheaders.signals import check_request_enabled

SAFE_METHODS = {"GET", "HEAD"}


def share_reads(prefix: str, *, private: frozenset[str] = frozenset(), uid: str) -> None:
    """Let any web page read the URLs under `prefix`, but for the paths in `private`."""

    def allow_reads(sender, request, **kwargs) -> bool:
        if not request.path_info.startswith(prefix) or request.path_info in private:
            return False
        if request.method == "OPTIONS":
            wanted = request.headers.get("access-control-request-method", "GET")
            return wanted.upper() in SAFE_METHODS
        return request.method in SAFE_METHODS

    check_request_enabled.connect(allow_reads, weak=False, dispatch_uid=uid)
