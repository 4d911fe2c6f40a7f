"""The embeddable widget: latest requests of an area, for neighbourhood blogs and sites.

The frame may be shown inside any site (no X-Frame-Options) and sets no cookie.
"""

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_GET

from fixboard.places.models import Area, Jurisdiction
from fixboard.places.names import by_name

from . import selectors
from .emails import absolute

WIDGET_SIZE = 8
MAX_WIDGET_SIZE = 20


def _area(jurisdiction: Jurisdiction, value: str | None) -> Area | None:
    if not value or not value.isdigit():
        return None
    return Area.objects.filter(jurisdiction=jurisdiction, pk=int(value), active=True).first()


def _size(value: str | None) -> int:
    return (
        min(int(value), MAX_WIDGET_SIZE)
        if value and value.isdigit() and value != "0"
        else (WIDGET_SIZE)
    )


@require_GET
@xframe_options_exempt
@cache_control(public=True, max_age=120)
def frame(request, jurisdiction: str):
    place = get_object_or_404(Jurisdiction, slug=jurisdiction)
    area = _area(place, request.GET.get("area"))
    requests = selectors.public_requests_in_area(area) if area else selectors.public_requests(place)
    return render(
        request,
        "notify/widget_frame.html",
        {
            "jurisdiction": place,
            "area": area,
            "items": selectors.latest_public(requests, _size(request.GET.get("size"))),
            "site_url": absolute(""),
        },
    )


@require_GET
@cache_control(public=True, max_age=3600)
def script(request):
    """embed.js: replaces its own <script> tag with the widget's iframe."""
    body = render_to_string("notify/widget.js", {"frame_base": absolute("/widget/")})
    return HttpResponse(body, content_type="text/javascript; charset=utf-8")


def builder(request, jurisdiction: str):
    """The page that shows the snippet to copy, with a live preview."""
    place = get_object_or_404(Jurisdiction, slug=jurisdiction)
    areas = by_name(Area.objects.filter(jurisdiction=place, active=True))
    area = _area(place, request.GET.get("area"))
    frame_url = absolute(reverse("notify:widget-frame", args=[place.slug]))
    if area:
        frame_url += f"?area={area.pk}"
    return render(
        request,
        "notify/widget_builder.html",
        {
            "jurisdiction": place,
            "areas": areas,
            "area": area,
            "frame_url": frame_url,
            "script_url": absolute(reverse("notify:widget-script")),
        },
    )
