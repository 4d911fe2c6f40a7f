"""Photos, served only while anyone may see them: a photo's URL answers 404 as soon as its
request (or the comment it came with) is hidden, and before the request is confirmed.

With MEDIA_ACCEL_REDIRECT set, nginx sends the file from an `internal` location after this
check (docs/install.md); otherwise Django sends it.
"""

from urllib.parse import quote

from django.conf import settings
from django.http import Http404, HttpResponse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe
from django.views.static import serve

from fixboard.reports.selectors import photo_exists, public_photo_exists

# Long enough for browsers and proxies to spare the app, short enough for a hidden photo to
# leave their caches soon.
PUBLIC_MAX_AGE = 300


def _send(request, path: str):
    if settings.MEDIA_ACCEL_REDIRECT:
        response = HttpResponse(content_type="image/jpeg")
        response["X-Accel-Redirect"] = settings.MEDIA_ACCEL_REDIRECT.rstrip("/") + "/" + quote(path)
        return response
    return serve(request, path, document_root=settings.MEDIA_ROOT)


@require_safe
def serve_media(request, path: str):
    if public_photo_exists(path):
        cache = {"public": True, "max_age": PUBLIC_MAX_AGE}
    elif request.user.has_perm("reports.view_photo") and photo_exists(path):
        cache = {"private": True, "no_store": True}  # staff only: no shared cache may keep it
    else:
        raise Http404
    response = _send(request, path)
    patch_cache_control(response, **cache)
    return response
