"""Atom feeds of the latest public requests of a jurisdiction, an area or a service type.

Only public columns are read (selectors.PUBLIC_COLUMNS): no reporter, no contact detail.
Titles and categories are Atom text; the summary is Atom "html", so residents' text is
HTML-escaped there before the XML escaping, or a feed reader would run it as markup.
"""

from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import linebreaks
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from fixboard.catalog.models import ServiceType
from fixboard.places.models import Area, Jurisdiction

from . import selectors
from .emails import absolute

FEED_SIZE = 50


class JurisdictionFeed(Feed):
    feed_type = Atom1Feed

    def get_object(self, request, jurisdiction: str):
        return get_object_or_404(Jurisdiction, slug=jurisdiction)

    def title(self, obj):
        return _("New reports in %(place)s") % {"place": obj.name}

    def subtitle(self, obj):
        return _("The latest %(n)d problems reported to %(place)s, with their status.") % {
            "n": FEED_SIZE,
            "place": obj.name,
        }

    def link(self, obj):
        return reverse("web:map", args=[obj.slug])

    def requests(self, obj):
        return selectors.public_requests(obj)

    def items(self, obj):
        return selectors.latest_public(self.requests(obj), FEED_SIZE)

    def item_title(self, item):
        place = item.address or f"{item.lat:.5f}, {item.long:.5f}"
        return (
            f"{item.public_id} · {item.service_type.name} · {place} ({item.get_status_display()})"
        )

    def item_description(self, item):
        if not item.description:
            return ""
        # linebreaks() escapes the text, then keeps its paragraphs and line breaks.
        return linebreaks(Truncator(item.description).chars(500), autoescape=True)

    def item_link(self, item):
        return absolute(item.get_absolute_url())

    def item_guid(self, item):
        return absolute(item.get_absolute_url())

    def item_pubdate(self, item):
        return item.requested_at

    def item_updateddate(self, item):
        return item.updated_at

    def item_categories(self, item):
        return [item.service_type.name, item.get_status_display()]


class AreaFeed(JurisdictionFeed):
    def get_object(self, request, jurisdiction: str, area_id: int):
        return get_object_or_404(
            Area.objects.select_related("jurisdiction"),
            pk=area_id,
            jurisdiction__slug=jurisdiction,
        )

    def title(self, obj):
        return _("New reports in %(place)s, %(city)s") % {
            "place": obj.name,
            "city": obj.jurisdiction.name,
        }

    def subtitle(self, obj):
        return _("The latest problems reported in %(place)s, with their status.") % {
            "place": obj.name
        }

    def link(self, obj):
        return reverse("web:map", args=[obj.jurisdiction.slug])

    def requests(self, obj):
        return selectors.public_requests_in_area(obj)


class ServiceTypeFeed(JurisdictionFeed):
    def get_object(self, request, jurisdiction: str, service_code: str):
        return get_object_or_404(
            ServiceType.objects.select_related("jurisdiction"),
            code=service_code,
            jurisdiction__slug=jurisdiction,
            public=True,
        )

    def title(self, obj):
        return _("New %(service)s reports, %(city)s") % {
            "service": obj.name,
            "city": obj.jurisdiction.name,
        }

    def subtitle(self, obj):
        return _("The latest %(service)s reports, with their status.") % {"service": obj.name}

    def link(self, obj):
        return reverse("web:map", args=[obj.jurisdiction.slug])

    def requests(self, obj):
        return selectors.public_requests(obj.jurisdiction).filter(service_type=obj)
