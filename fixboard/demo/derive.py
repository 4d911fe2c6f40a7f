"""Rebuild fixboard/demo/data from the published LA files (run by hand, never at run time).

    python -m fixboard.demo.derive ../shared/data

The polygons are simplified (tolerance 0.00005°, about 5 m) and rounded to 6 decimals,
which keeps point → area routing as accurate as the originals while shrinking the package.
"""

import argparse
import json
import re
import shutil
from pathlib import Path

import shapely
from shapely.geometry import mapping, shape

DATA = Path(__file__).resolve().parent / "data"
TOLERANCE = 0.00005
KEEP_UPPER = {"NC", "CC", "NDC", "LA-32", "P.I.C.O.", "(CANNDU)"}
SPECIAL = {"NOHO": "NoHo", "MACARTHUR": "MacArthur"}
SMALL = {"OF", "THE", "AND", "FOR"}


def nc_display_name(name: str) -> str:
    """'LINCOLN HEIGHTS NC' → 'Lincoln Heights NC', keeping acronyms as the city writes them."""
    words = []
    for position, word in enumerate(name.split()):
        if word in KEEP_UPPER:
            words.append(word)
        elif word in SPECIAL:
            words.append(SPECIAL[word])
        elif word in SMALL and position:
            words.append(word.lower())
        else:
            words.append(re.sub(r"[A-Z]+", lambda m: m.group().capitalize(), word))
    return " ".join(words)


def _simplified(geometry: dict) -> dict:
    geom = shapely.set_precision(
        shape(geometry).simplify(TOLERANCE, preserve_topology=True), 0.000001
    )
    return mapping(geom)


def _write(features: list[dict], name: str) -> None:
    collection = {"type": "FeatureCollection", "features": features}
    (DATA / name).write_text(json.dumps(collection, separators=(",", ":")), encoding="utf-8")


def council_districts(source: Path) -> None:
    features = json.loads(source.read_text(encoding="utf-8"))["features"]
    _write(
        [
            {
                "type": "Feature",
                "properties": {
                    "name": f"Council District {f['properties']['name']}",
                    "code": f["properties"]["name"],
                },
                "geometry": _simplified(f["geometry"]),
            }
            for f in sorted(features, key=lambda f: int(f["properties"]["name"]))
        ],
        "council-districts.geojson",
    )


def neighborhood_councils(source: Path) -> None:
    features = json.loads(source.read_text(encoding="utf-8"))["features"]
    _write(
        [
            {
                "type": "Feature",
                "properties": {
                    "name": nc_display_name(f["properties"]["name"]),
                    "code": f["properties"]["nc_id"],
                    "region": f["properties"]["service_re"],
                    "website": f["properties"]["waddress"] or "",
                },
                "geometry": _simplified(f["geometry"]),
            }
            for f in sorted(features, key=lambda f: int(f["properties"]["nc_id"]))
        ],
        "neighborhood-councils.geojson",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("shared_data", type=Path, help="the shared/data folder")
    args = parser.parse_args()
    geo = args.shared_data / "geo" / "la"
    council_districts(geo / "la-city-council-districts-2012.geojson")
    neighborhood_councils(geo / "la-neighborhood-councils-2019.geojson")
    for name in ("la311_2020-01_requests.csv", "MyLA311_Service_Request_Data_2017_Subset.csv"):
        shutil.copyfile(args.shared_data / "311" / "la" / name, DATA / name)


if __name__ == "__main__":
    main()
