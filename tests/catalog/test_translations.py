"""The city's texts in several languages: written through the domain, audited, and read in
the active language with the default language's text where a translation is missing."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from fixboard.audit.models import AuditEntry
from fixboard.catalog import actions
from fixboard.catalog.models import ServiceType
from tests.factories import translate_to_spanish

pytestmark = pytest.mark.django_db


def test_each_language_reads_its_own_text_or_the_default_one(city):
    translate_to_spanish(city)
    pothole = ServiceType.objects.get(pk=city.pothole.pk)
    depth = pothole.attributes.get()
    with translation.override("es"):
        assert (pothole.name, pothole.group, city.bulky.name) == ("Bache", "Calles", "Bulky Items")
        assert depth.description == "¿Qué profundidad tiene?"
        assert [v["name"] for v in depth.values] == ["Poco profundo", "Más de 5 cm"]
        assert depth.value_keys == ["shallow", "deep"]
    with translation.override("en"):
        assert (pothole.name, depth.description) == ("Pothole", "How deep is it?")


def test_translations_are_audited_per_language(city):
    translate_to_spanish(city)
    entry = AuditEntry.objects.filter(object_id=str(city.pothole.pk)).latest("id")
    assert entry.changes["name_es"] == [None, "Bache"]
    assert "name" not in entry.changes  # the default language's text did not change
    assert entry.changes["question[depth]"][1]["description_es"] == "¿Qué profundidad tiene?"


def test_a_plain_field_means_the_default_language_whatever_language_is_active(city):
    translate_to_spanish(city)
    with translation.override("es"):
        actions.save_service_type(
            actor="test", data={"name": "Road hole"}, service_type=city.pothole
        )
    pothole = ServiceType.objects.get(pk=city.pothole.pk)
    assert (pothole.name_en, pothole.name_es) == ("Road hole", "Bache")
    # Queries that name no language (joins, exports) read the default language's text.
    assert ServiceType.objects.filter(pk=pothole.pk).raw_values("name")[0]["name"] == "Road hole"


def test_translated_answers_keep_the_keys_of_the_default_language(city):
    (depth,) = city.pothole.attributes.all()
    question = {
        "id": depth.pk,
        "code": "depth",
        "description": "How deep is it?",
        "datatype": "singlevaluelist",
        "values": depth.values,
        "values_es": [{"key": "poco", "name": "Poco profundo"}],
    }
    with pytest.raises(ValidationError) as exc:
        actions.save_service_type(
            actor="test", data={}, questions=[question], service_type=city.pothole
        )
    assert list(exc.value.message_dict) == ["question[depth].values_es"]
    assert "shallow, deep" in exc.value.message_dict["question[depth].values_es"][0]


def test_admin_edits_every_language_side_by_side(admin_client, city):
    page = admin_client.get(f"/admin/catalog/servicetype/{city.pothole.pk}/change/")
    html = page.content.decode()
    # One line holds both languages of a text (Django's admin draws a tuple on one row).
    assert 'class="form-row field-name_en field-name_es"' in html
    assert 'name="attributes-0-values_es"' in html
