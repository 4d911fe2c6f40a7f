"""Cross-origin reads: any web page may GET the public API; writes stay same-origin.

settings.CORS_URLS_REGEX matches nothing, so only what `core.cors` allows is shared.
"""

from fixboard.core.cors import share_reads

PREFIX = "/api/v1/"
# The CSRF token belongs to this site's own pages only.
PRIVATE = frozenset({PREFIX + "csrf"})


def connect() -> None:
    share_reads(PREFIX, private=PRIVATE, uid="fixboard.api.cors")
