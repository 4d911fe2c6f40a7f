from collections.abc import Iterable

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _


def map_settings(jurisdiction) -> dict:
    """What every map page needs: the tile server (or none) and where to look first."""
    return {
        "tile_url": settings.MAP_TILE_URL,
        "tile_attribution": settings.MAP_TILE_ATTRIBUTION,
        "bounds": [
            [jurisdiction.min_lat, jurisdiction.min_long],
            [jurisdiction.max_lat, jurisdiction.max_long],
        ]
        if jurisdiction.min_lat is not None
        else None,
    }


def feeds(jurisdiction, *, service=None, areas: Iterable[tuple[int, str]] = ()) -> dict:
    """The Atom feeds a page offers: `base.html` announces them to feed readers
    (`<link rel="alternate">`) and the page links them. The narrowest come first;
    `areas` are (id, name) pairs."""
    found = (
        [
            {
                "title": _("New %(service)s reports, %(city)s")
                % {"service": service.name, "city": jurisdiction.name},
                "url": reverse("notify:feed-service", args=[jurisdiction.slug, service.code]),
            }
        ]
        if service
        else []
    )
    found += [
        {
            "title": _("New reports in %(place)s, %(city)s")
            % {"place": name, "city": jurisdiction.name},
            "url": reverse("notify:feed-area", args=[jurisdiction.slug, pk]),
        }
        for pk, name in areas
    ]
    found.append(
        {
            "title": _("New reports in %(place)s") % {"place": jurisdiction.name},
            "url": reverse("notify:feed-jurisdiction", args=[jurisdiction.slug]),
        }
    )
    return {"feeds": found}
