"""Cross-origin reads of Open311: any web page may GET it (as FixMyStreet's server allows);
POSTs need an api_key and stay out of browsers' reach.

`core.cors` lets django-cors-headers add `Access-Control-Allow-Origin: *`
(settings.CORS_ALLOW_ALL_ORIGINS) and answer the preflight of a GET itself. A preflight for
anything else reaches the view, which answers it with `Allow` but no CORS header, so the
browser does not send the write.
"""

from fixboard.core.cors import share_reads


def connect() -> None:
    share_reads("/open311/", uid="fixboard.open311.cors")
