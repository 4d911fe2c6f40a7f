"""The admin pages a city admin uses for jurisdictions, areas and addresses."""

import pytest

from fixboard.places.models import AddressPoint, Area
from fixboard.places.spatial import area_index
from tests.factories import INSIDE_WEST

pytestmark = pytest.mark.django_db


def test_jurisdiction_list_counts_areas_and_links_to_them(admin_client, city):
    page = admin_client.get("/admin/places/jurisdiction/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Testville" in text
    assert f"/admin/places/area/?jurisdiction__id__exact={city.jurisdiction.pk}" in text
    row = text[text.index("Testville") :]
    assert '<td class="field-area_count">2</td>' in row


def test_jurisdiction_form_offers_time_zones_and_shows_bbox(admin_client, city):
    page = admin_client.get(f"/admin/places/jurisdiction/{city.jurisdiction.pk}/change/")
    assert page.status_code == 200
    text = page.content.decode()
    assert '<option value="America/Los_Angeles" selected>' in text
    assert "34.00000, -118.30000 → 34.10000, -118.10000" in text


def test_admin_creates_a_jurisdiction(admin_client):
    page = admin_client.post(
        "/admin/places/jurisdiction/add/",
        {"slug": "oakland", "name": "Oakland", "timezone": "America/Los_Angeles", "settings": "{}"},
    )
    assert page.status_code == 302
    page = admin_client.post(
        "/admin/places/jurisdiction/add/",
        {"slug": "San_Jose", "name": "X", "timezone": "Mars/Olympus", "settings": "{}"},
    )
    assert page.status_code == 200
    assert "Use lower-case letters, digits and hyphens, e.g. san_jose." in page.content.decode()
    assert "Select a valid choice. Mars/Olympus is not one of the available choices." in (
        page.content.decode()
    )


def test_area_list_and_change_form_show_no_geometry_bytes(admin_client, city):
    page = admin_client.get("/admin/places/area/?kind=ward")
    assert page.status_code == 200
    assert "West Ward" in page.content.decode() and "East Ward" in page.content.decode()
    page = admin_client.get(f"/admin/places/area/{city.west.pk}/change/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "34.00000, -118.30000 → 34.10000, -118.20000" in text
    assert '<svg role="img" aria-label="outline"' in text and "<path " in text
    assert "geometry_wkb" not in text
    assert admin_client.get("/admin/places/area/add/").status_code == 403


def test_deactivating_an_area_takes_it_out_of_routing(admin_client, city):
    assert city.west.pk in area_index().locate(*INSIDE_WEST).area_ids
    page = admin_client.post(
        f"/admin/places/area/{city.west.pk}/change/", {"name_en": "West Ward"}
    )  # active unchecked
    assert page.status_code == 302
    assert not Area.objects.get(pk=city.west.pk).active
    assert city.west.pk not in area_index().locate(*INSIDE_WEST).area_ids


def test_address_index_is_read_only(admin_client, city):
    point = AddressPoint.objects.create(
        jurisdiction=city.jurisdiction,
        normalized="200 n spring st",
        address="200 N Spring St",
        lat=34.0537,
        long=-118.2428,
    )
    assert admin_client.get("/admin/places/addresspoint/?q=spring").status_code == 200
    page = admin_client.get(f"/admin/places/addresspoint/{point.pk}/change/")
    assert page.status_code == 200
    assert "200 N Spring St" in page.content.decode()


def upload(admin_client, jurisdiction, path, **fields):
    with open(path, "rb") as file:
        return admin_client.post(
            f"/admin/places/jurisdiction/{jurisdiction.pk}/import-areas/",
            {"file": file, **fields},
            follow=True,
        )


def test_jurisdiction_page_links_to_the_import(admin_client, city):
    text = admin_client.get(f"/admin/places/jurisdiction/{city.jurisdiction.pk}/change/").content
    url = f"/admin/places/jurisdiction/{city.jurisdiction.pk}/import-areas/"
    assert url in text.decode()
    page = admin_client.get(url)
    assert page.status_code == 200
    assert "GeoJSON file" in page.content.decode()


def test_admin_imports_real_areas_and_names_the_repaired(admin_client, city, shared_data):
    page = upload(
        admin_client,
        city.jurisdiction,
        shared_data / "geo/la/la-neighborhood-councils-2021-01-22.geojson",
        kind="neighborhood-council",
        name_property="name",
        code_property="nc_id",
    )
    text = page.content.decode()
    assert "99 areas created, 0 updated." in text
    assert "The polygon of HARBOR GATEWAY SOUTH NC was invalid and was repaired." in text
    assert page.redirect_chain[-1][0].endswith("&kind=neighborhood-council")
    assert "99 areas" in text  # the list of what was imported
    assert (
        Area.objects.filter(jurisdiction=city.jurisdiction, kind="neighborhood-council").count()
        == 99
    )


def test_admin_import_explains_a_missing_property(admin_client, city, shared_data):
    page = upload(
        admin_client,
        city.jurisdiction,
        shared_data / "geo/la/la-city-council-districts-2012.geojson",
        kind="council-district",
        name_property="DISTRICT",
    )
    text = page.content.decode()
    assert "Nothing was imported." in text
    assert "Feature 1 has no property DISTRICT" in text
    assert not Area.objects.filter(kind="council-district").exists()


def test_admin_import_explains_a_file_that_is_not_geojson(admin_client, city, tmp_path):
    path = tmp_path / "wards.geojson"
    path.write_text("ward,name\n1,West\n", encoding="utf-8")
    page = upload(admin_client, city.jurisdiction, path, kind="ward", name_property="name")
    assert "wards.geojson is not valid JSON" in page.content.decode()
