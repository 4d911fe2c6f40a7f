"""Fixboard's URLs, plus /bench/bare.json: the cost of Django itself, to compare with."""

from django.http import JsonResponse
from django.urls import path

from fixboard.urls import urlpatterns as fixboard_urls

from . import BARE_PATH


def bare(request):
    """A small JSON answer that touches no database: the floor of any Fixboard view."""
    return JsonResponse({"ok": True, "service": "bench"})


urlpatterns = [path(BARE_PATH.lstrip("/"), bare), *fixboard_urls]
