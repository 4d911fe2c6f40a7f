"""The real cities every benchmark database starts with (from ../shared/data)."""

from django.core.management import call_command
from django.db import connection

from .context import SHARED_DATA
from .registry import task

GEO = SHARED_DATA / "geo"
# (slug, name, timezone, [(file, kind, name property, code property)])
CITIES = [
    (
        "los-angeles",
        "Los Angeles",
        "America/Los_Angeles",
        [
            ("la/la-city-council-districts-2012.geojson", "council-district", "name", "name"),
            ("la/la-neighborhood-councils-2019.geojson", "neighborhood-council", "name", "nc_id"),
        ],
    ),
    (
        "san-francisco",
        "San Francisco",
        "America/Los_Angeles",
        [("sf/sf_analysis_neighborhoods_by_tract_2010.geojson", "tract", "nhood", "geoid")],
    ),
]


@task
def setup_database() -> dict:
    """Migrate, then create each city with its real areas; returns {slug: jurisdiction id}."""
    from fixboard.places.actions import create_jurisdiction, import_areas, read_feature_collection

    call_command("migrate", verbosity=0, interactive=False)
    ids = {}
    for slug, name, timezone, layers in CITIES:
        jurisdiction = create_jurisdiction(slug=slug, name=name, timezone=timezone)
        for file, kind, name_property, code_property in layers:
            import_areas(
                jurisdiction=jurisdiction,
                features=read_feature_collection(GEO / file),
                kind=kind,
                name_property=name_property,
                code_property=code_property,
            )
        ids[slug] = jurisdiction.pk
    if connection.vendor == "sqlite":
        # The template is copied as one file: fold the write-ahead log into it first.
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    return {"jurisdictions": ids}
