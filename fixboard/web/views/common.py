from django.conf import settings


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
