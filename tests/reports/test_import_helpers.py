"""Set-up shared by the import tests (no tests here): real cities, small CSV files."""

import csv
from pathlib import Path

from shapely.geometry import box, mapping

from fixboard.places.actions import create_jurisdiction, import_areas, read_feature_collection
from fixboard.reports.importing import import_requests, load_mapping, shipped_mapping

LA_2017 = "311/la/MyLA311_Service_Request_Data_2017_Subset.csv"
LA_2020 = "311/la/la311_2020-01_requests.csv"
SF = "311/sf/sf311_cases_sample_10000.csv"
NYC = "311/publicstuff/publicstuff_nyc_20190522.csv"


def los_angeles(data: Path, *, neighborhood_councils: bool = True):
    """Los Angeles with its 2012 council districts (the city boundary) and 2019 NCs."""
    city = create_jurisdiction(
        slug="los-angeles", name="Los Angeles", timezone="America/Los_Angeles"
    )
    import_areas(
        jurisdiction=city,
        features=read_feature_collection(data / "geo/la/la-city-council-districts-2012.geojson"),
        kind="council-district",
        name_property="name",
    )
    if neighborhood_councils:
        import_areas(
            jurisdiction=city,
            features=read_feature_collection(data / "geo/la/la-neighborhood-councils-2019.geojson"),
            kind="neighborhood-council",
            name_property="name",
            code_property="nc_id",
        )
    return city


def san_francisco(data: Path):
    city = create_jurisdiction(
        slug="san-francisco", name="San Francisco", timezone="America/Los_Angeles"
    )
    import_areas(
        jurisdiction=city,
        features=read_feature_collection(
            data / "geo/sf/sf_analysis_neighborhoods_by_tract_2010.geojson"
        ),
        kind="tract",
        name_property="nhood",
        code_property="geoid",
    )
    return city


def new_york():
    """New York bounded by the box around its five boroughs (no polygons in shared data)."""
    city = create_jurisdiction(slug="new-york", name="New York", timezone="America/New_York")
    feature = {
        "type": "Feature",
        "properties": {"name": "New York City"},
        "geometry": mapping(box(-74.26, 40.49, -73.69, 40.92)),
    }
    import_areas(jurisdiction=city, features=[feature], kind="city", name_property="name")
    return city


def run_import(path: Path, jurisdiction, mapping: str | Path):
    mapping_path = mapping if isinstance(mapping, Path) else shipped_mapping(mapping)
    return import_requests(path=path, jurisdiction=jurisdiction, mapping=load_mapping(mapping_path))


def data_rows(path: Path) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def write_csv(path: Path, header: list[str], rows: list[list]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


SMALL_MAPPING = """
[source]
id = "Id"
[columns]
service_name = "Type"
requested_datetime = "Created"
closed_datetime = "Closed"
status = "Status"
lat = "Lat"
long = "Long"
address = "Address"
channel = "Source"
[datetime]
formats = ["%m/%d/%Y %I:%M:%S %p", "%Y-%m-%d %H:%M"]
timezone = "America/Los_Angeles"
[status]
closed = ["Closed", "Cancelled"]
in_progress = ["Working"]
[close_reason]
cancelled = ["Cancelled"]
[channel]
phone = ["Call"]
"""
SMALL_HEADER = ["Id", "Type", "Created", "Closed", "Status", "Lat", "Long", "Address", "Source"]


def small_mapping(tmp_path: Path, text: str = SMALL_MAPPING) -> Path:
    path = tmp_path / "mapping.toml"
    path.write_text(text, encoding="utf-8")
    return path
