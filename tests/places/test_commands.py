"""`fixboard create-jurisdiction` and `fixboard import-areas`, with the real LA files."""

import io
import json
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

from fixboard.places.models import Area, Jurisdiction
from fixboard.places.spatial import area_index

pytestmark = pytest.mark.django_db

CITY_HALL = (34.0537, -118.2428)  # 200 N Spring St, Council District 14


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def la(db):
    run(
        "create_jurisdiction",
        "los-angeles",
        "--name",
        "Los Angeles",
        "--timezone",
        "America/Los_Angeles",
    )
    return Jurisdiction.objects.get(slug="los-angeles")


def test_create_jurisdiction():
    out, _ = run(
        "create_jurisdiction",
        "los-angeles",
        "--name",
        "Los Angeles",
        "--timezone",
        "America/Los_Angeles",
    )
    assert "Created jurisdiction Los Angeles (los-angeles, America/Los_Angeles)" in out
    assert Jurisdiction.objects.get(slug="los-angeles").timezone == "America/Los_Angeles"


def test_create_jurisdiction_lists_every_problem_by_field():
    with pytest.raises(CommandError) as exc:
        run("create_jurisdiction", "Los Angeles", "--name", " ", "--timezone", "America/Los_Angles")
    message = str(exc.value)
    assert "slug: Use lower-case letters, digits and hyphens, e.g. los-angeles." in message
    assert "name: Give the jurisdiction a name." in message
    assert "timezone: Unknown time zone America/Los_Angles" in message
    assert not Jurisdiction.objects.exists()


def test_create_jurisdiction_twice(la):
    with pytest.raises(CommandError, match="A jurisdiction los-angeles already exists"):
        run("create_jurisdiction", "los-angeles", "--name", "LA", "--timezone", "UTC")


def test_import_council_districts(la, shared_data):
    path = shared_data / "geo/la/la-city-council-districts-2012.geojson"
    out, _ = run(
        "import_areas",
        str(path),
        "--jurisdiction",
        "los-angeles",
        "--kind",
        "council-district",
        "--name-property",
        "name",
    )
    assert "15 council-district areas created, 0 updated" in out
    assert "The boundary of Los Angeles is now their union" in out
    assert Area.objects.filter(jurisdiction=la, kind="council-district").count() == 15
    located = area_index().locate(*CITY_HALL, la.pk)
    assert located.jurisdiction_id == la.pk
    assert Area.objects.get(pk=located.area_ids[0]).code == "14"

    out, _ = run(
        "import_areas",
        str(path),
        "--jurisdiction",
        "los-angeles",
        "--kind",
        "council-district",
        "--name-property",
        "name",
    )
    assert "0 council-district areas created, 15 updated" in out


def test_import_dirty_file_names_the_repaired_polygons(la, shared_data):
    path = shared_data / "geo/la/la-neighborhood-councils-2021-01-22.geojson"
    out, err = run(
        "import_areas",
        str(path),
        "--jurisdiction",
        "los-angeles",
        "--kind",
        "neighborhood-council",
        "--name-property",
        "name",
        "--code-property",
        "nc_id",
    )
    assert "99 neighborhood-council areas created" in out
    assert "Warning: the polygon of HARBOR GATEWAY SOUTH NC was invalid and was repaired." in err
    assert Area.objects.get(jurisdiction=la, code="91").repaired


def test_second_kind_leaves_the_boundary_unless_asked(la, shared_data):
    geo = shared_data / "geo/la"
    run(
        "import_areas",
        str(geo / "la-city-council-districts-2012.geojson"),
        "--jurisdiction",
        "los-angeles",
        "--kind",
        "council-district",
        "--name-property",
        "name",
    )
    boundary = bytes(Jurisdiction.objects.get(pk=la.pk).boundary_wkb)
    args = [
        "import_areas",
        str(geo / "la-neighborhood-councils-2019.geojson"),
        "--jurisdiction",
        "los-angeles",
        "--kind",
        "neighborhood-council",
        "--name-property",
        "name",
        "--code-property",
        "nc_id",
    ]
    out, _ = run(*args)
    assert "The boundary of Los Angeles is unchanged" in out
    assert bytes(Jurisdiction.objects.get(pk=la.pk).boundary_wkb) == boundary

    out, _ = run(*args, "--boundary")
    assert "0 neighborhood-council areas created, 99 updated" in out
    assert "The boundary of Los Angeles is now their union" in out
    assert bytes(Jurisdiction.objects.get(pk=la.pk).boundary_wkb) != boundary


def test_boundary_only(la, shared_data):
    out, _ = run(
        "import_areas",
        str(shared_data / "geo/la/la-city-council-districts-2012.geojson"),
        "--jurisdiction",
        "los-angeles",
        "--boundary",
    )
    assert "The boundary of Los Angeles is set from the file" in out
    assert not Area.objects.exists()
    assert area_index().locate(*CITY_HALL).jurisdiction_id == la.pk
    assert area_index().locate(40.71, -74.0).jurisdiction_id is None


def test_unknown_jurisdiction(la, shared_data):
    with pytest.raises(CommandError, match=r"No jurisdiction chicago \(known: los-angeles\)"):
        run(
            "import_areas",
            str(shared_data / "geo/la/la-city-council-districts-2012.geojson"),
            "--jurisdiction",
            "chicago",
            "--kind",
            "ward",
            "--name-property",
            "name",
        )


def test_invalid_json(la, tmp_path):
    path = tmp_path / "broken.geojson"
    path.write_text('{"type": "FeatureCollection", "features": [', encoding="utf-8")
    with pytest.raises(CommandError) as exc:
        run(
            "import_areas",
            str(path),
            "--jurisdiction",
            "los-angeles",
            "--kind",
            "ward",
            "--name-property",
            "name",
        )
    assert "Nothing was imported" in str(exc.value)
    assert "broken.geojson is not valid JSON" in str(exc.value)


def test_not_a_feature_collection(la, tmp_path):
    path = tmp_path / "point.geojson"
    path.write_text(json.dumps({"type": "Point", "coordinates": [0, 0]}), encoding="utf-8")
    with pytest.raises(CommandError, match="is not a GeoJSON FeatureCollection"):
        run(
            "import_areas",
            str(path),
            "--jurisdiction",
            "los-angeles",
            "--kind",
            "ward",
            "--name-property",
            "name",
        )


def test_missing_file(la, tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        run(
            "import_areas",
            str(tmp_path / "nowhere.geojson"),
            "--jurisdiction",
            "los-angeles",
            "--kind",
            "ward",
            "--name-property",
            "name",
        )


def test_missing_property_names_the_ones_there(la, shared_data):
    with pytest.raises(CommandError) as exc:
        run(
            "import_areas",
            str(shared_data / "geo/la/la-neighborhood-councils-2019.geojson"),
            "--jurisdiction",
            "los-angeles",
            "--kind",
            "neighborhood-council",
            "--name-property",
            "NAME",
        )
    message = str(exc.value)
    assert "name_property: Feature 1 has no property NAME" in message
    assert "nc_id" in message and "service_re" in message
    assert not Area.objects.exists()


def test_kind_and_name_property_are_needed(la, shared_data):
    path = str(shared_data / "geo/la/la-city-council-districts-2012.geojson")
    with pytest.raises(CommandError, match="Give --kind and --name-property"):
        run("import_areas", path, "--jurisdiction", "los-angeles")
    with pytest.raises(CommandError, match="go together"):
        run("import_areas", path, "--jurisdiction", "los-angeles", "--kind", "ward", "--boundary")


def test_bad_kind(la, shared_data):
    with pytest.raises(CommandError, match="kind: Use a slug for the kind, e.g. council-district"):
        run(
            "import_areas",
            str(shared_data / "geo/la/la-city-council-districts-2012.geojson"),
            "--jurisdiction",
            "los-angeles",
            "--kind",
            "Council District",
            "--name-property",
            "name",
        )


def test_console_errors_have_no_traceback(tmp_path):
    """What a person at the terminal sees: the message, exit status 1, no stack trace."""
    env = {"FIXBOARD_VAR_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    subprocess.run([sys.executable, "-m", "fixboard", "migrate", "-v0"], env=env, check=True)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "fixboard",
            "create-jurisdiction",
            "x",
            "--name",
            "X",
            "--timezone",
            "Nowhere/City",
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1
    assert "timezone: Unknown time zone Nowhere/City" in done.stderr
    assert "Traceback" not in done.stderr
    helped = subprocess.run(
        [sys.executable, "-m", "fixboard", "import-areas", "--help"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert helped.returncode == 0
    assert "--name-property" in helped.stdout and "--boundary" in helped.stdout
