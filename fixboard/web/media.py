from django.conf import settings
from django.views.static import serve


def serve_media(request, path):
    """Uploaded photos for single-machine installs; larger ones serve media from object storage."""
    return serve(request, path, document_root=settings.MEDIA_ROOT)
