"""Area names in each language: kept per language (django-modeltranslation), edited in the
admin, shown in the reader's language on pages, the REST API and the staff queue, falling
back to the default language's name where a language has none."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from fixboard.audit.models import AuditEntry
from fixboard.places.actions import import_areas, save_area
from fixboard.places.models import Area
from fixboard.places.names import by_name
from tests.factories import EAST, WEST, UserFactory, feature, submit_pothole

pytestmark = pytest.mark.django_db

ES = {"HTTP_ACCEPT_LANGUAGE": "es"}


@pytest.fixture
def spanish(city):
    """West Ward is "Distrito Oeste" in Spanish; East Ward has no Spanish name."""
    city.west = save_area(actor="test", area=city.west, data={"name_es": "Distrito Oeste"})
    return city


def test_a_name_per_language_with_the_default_as_fallback(spanish):
    west, east = Area.objects.get(pk=spanish.west.pk), Area.objects.get(pk=spanish.east.pk)
    assert (west.name, west.name_en, west.name_es) == ("West Ward", "West Ward", "Distrito Oeste")
    with translation.override("es"):
        assert (west.name, east.name) == ("Distrito Oeste", "East Ward")
        rows = list(Area.objects.filter(pk__in=[west.pk, east.pk]).values("code", "name"))
    assert sorted(rows, key=lambda r: r["code"]) == [
        {"code": "1", "name": "Distrito Oeste"},
        {"code": "2", "name": "East Ward"},
    ]


def test_a_change_of_name_is_on_the_audit_log(spanish):
    entry = AuditEntry.objects.filter(object_id=str(spanish.west.pk)).get()
    assert entry.actor == "test"
    assert entry.changes == {"name_es": [None, "Distrito Oeste"]}
    assert entry.jurisdiction == spanish.jurisdiction
    # Saving the same names again records nothing.
    save_area(actor="test", area=spanish.west, data={"name_es": "Distrito Oeste"})
    assert AuditEntry.objects.filter(object_id=str(spanish.west.pk)).count() == 1


def test_the_default_name_cannot_be_emptied_another_language_can(spanish):
    with pytest.raises(ValidationError) as problem:
        save_area(actor="test", area=spanish.west, data={"name_en": "  "})
    assert problem.value.message_dict == {"name_en": ["Give the area a name in English."]}
    save_area(actor="test", area=spanish.west, data={"name_es": ""})
    west = Area.objects.get(pk=spanish.west.pk)
    assert west.name_es is None
    with translation.override("es"):
        assert west.name == "West Ward"


def test_renaming_in_the_default_language_changes_what_every_reader_falls_back_to(spanish):
    with translation.override("es"):  # the admin's own language does not matter
        save_area(actor="test", area=spanish.east, data={"name": "East Side"})
    east = Area.objects.get(pk=spanish.east.pk)
    assert (east.name_en, east.name_es) == ("East Side", None)
    # The plain column too, which queries that ask for no language read.
    assert Area.objects.rewrite(False).filter(pk=east.pk, name="East Side").exists()


def test_reimporting_the_file_keeps_the_translations(spanish):
    with translation.override("es"):  # an admin reading the site in Spanish uploads it
        result = import_areas(
            jurisdiction=spanish.jurisdiction,
            features=[feature("West Ward (new)", "1", WEST), feature("East Ward", "2", EAST)],
            kind="ward",
            name_property="name",
            code_property="code",
        )
    assert result.updated == 2
    west = Area.objects.get(pk=spanish.west.pk)
    assert (west.name_en, west.name_es) == ("West Ward (new)", "Distrito Oeste")


def test_areas_sort_by_their_name_in_the_reader_language(spanish):
    save_area(actor="test", area=spanish.east, data={"name_es": "Distrito Este"})
    save_area(actor="test", area=spanish.west, data={"name_en": "A West Ward"})
    areas = Area.objects.filter(jurisdiction=spanish.jurisdiction)
    assert [a.code for a in by_name(areas)] == ["1", "2"]  # A West Ward, East Ward
    with translation.override("es"):
        assert [a.code for a in by_name(areas)] == ["2", "1"]  # Distrito Este, Distrito Oeste


def test_the_admin_edits_each_language_on_one_line(admin_client, spanish):
    url = f"/admin/places/area/{spanish.west.pk}/change/"
    form = admin_client.get(url).content.decode()
    assert 'name="name_en"' in form and 'name="name_es"' in form
    assert 'value="Distrito Oeste"' in form
    page = admin_client.post(url, {"name_en": "West Ward", "name_es": "Oeste", "active": "on"})
    assert page.status_code == 302
    assert Area.objects.get(pk=spanish.west.pk).name_es == "Oeste"
    entry = AuditEntry.objects.filter(object_id=str(spanish.west.pk)).first()
    assert entry.changes == {"name_es": ["Distrito Oeste", "Oeste"]}
    refused = admin_client.post(url, {"name_en": "", "name_es": "Oeste", "active": "on"})
    assert refused.status_code == 200
    assert "This field is required." in refused.content.decode()
    # An admin reading in Spanish finds an area by its English name too.
    found = admin_client.get("/admin/places/area/", {"q": "East Ward"}, **ES).content.decode()
    assert f"/admin/places/area/{spanish.east.pk}/change/" in found


def test_public_pages_name_areas_in_the_page_language(client, spanish):
    slug = spanish.jurisdiction.slug
    area_url = f"/{slug}/areas/ward/1/"
    page = client.get(area_url, **ES).content.decode()
    assert "<h1>Distrito Oeste</h1>" in page
    assert 'data-focus="Distrito Oeste"' in page
    assert f"/{slug}/areas.geojson?lang=es" in page
    assert "<h1>West Ward</h1>" in client.get(area_url).content.decode()
    listed = client.get(f"/{slug}/", **ES).content.decode()
    assert ">Distrito Oeste</a>" in listed and ">East Ward</a>" in listed
    request = submit_pothole(spanish)
    shown = client.get(request.get_absolute_url(), **ES).content.decode()
    assert ">Distrito Oeste</a>" in shown and "West Ward" not in shown


def test_the_map_outlines_follow_the_language_the_page_asks(client, spanish):
    url = f"/{spanish.jurisdiction.slug}/areas.geojson"
    names = {f["properties"]["name"] for f in client.get(url, {"lang": "es"}).json()["features"]}
    assert {"Distrito Oeste", "East Ward"} <= names
    english = client.get(url, {"lang": "en"}, **ES)  # the page's language over the browser's
    assert english["Content-Language"] == "en"
    assert "West Ward" in {f["properties"]["name"] for f in english.json()["features"]}


def test_the_rest_api_names_areas_in_the_asked_language(client, spanish):
    slug = spanish.jurisdiction.slug
    listed = client.get("/api/v1/areas", {"jurisdiction": slug, "lang": "es"}).json()
    assert {a["code"]: a["name"] for a in listed["items"]} == {
        "1": "Distrito Oeste",
        "2": "East Ward",
    }
    one = client.get(f"/api/v1/areas/{spanish.west.pk}", headers={"Accept-Language": "es"})
    assert one.json()["properties"]["name"] == "Distrito Oeste"
    request = submit_pothole(spanish)
    detail = client.get(f"/api/v1/requests/{request.public_id}?lang=es").json()
    assert [a["name"] for a in detail["areas"]] == ["Distrito Oeste"]
    english = client.get(f"/api/v1/requests/{request.public_id}").json()
    assert [a["name"] for a in english["areas"]] == ["West Ward"]


def test_the_staff_queue_and_request_view_name_areas_in_the_staff_language(client, spanish):
    from fixboard.accounts.models import User

    staff = UserFactory(
        role=User.Role.STAFF,
        jurisdictions=[spanish.jurisdiction],
        departments=[spanish.streets],
    )
    client.force_login(staff)
    request = submit_pothole(spanish)
    queue = client.get("/queue/", **ES).content.decode()
    assert "Distrito Oeste (ward)" in queue and "East Ward (ward)" in queue
    work = client.get(f"/queue/requests/{request.public_id}/", **ES)
    assert work.status_code == 200
    assert "Distrito Oeste" in work.content.decode()
