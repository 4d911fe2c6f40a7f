"""The demo city ships its catalog in Spanish too (catalog.es.toml)."""

import pytest
from django.utils import translation

from fixboard.catalog.models import Department, ServiceType
from fixboard.demo.loader import DemoResult, _load_catalog
from fixboard.places.actions import create_jurisdiction

pytestmark = pytest.mark.django_db


def test_every_service_type_and_question_of_the_demo_has_its_spanish_text():
    la = create_jurisdiction(slug="los-angeles", name="Los Angeles", timezone="America/Los_Angeles")
    _load_catalog(DemoResult(jurisdiction=la))

    services = ServiceType.objects.filter(jurisdiction=la).prefetch_related("attributes")
    for service in services:
        assert service.name_es and service.group_es and service.description_es, service.code
        for question in service.attributes.all():
            assert question.description_es, (service.code, question.code)
            if question.values:
                assert [v["key"] for v in question.values_es] == question.value_keys
                assert question.values_es != question.values, (service.code, question.code)
    assert not Department.objects.filter(jurisdiction=la, name_es__isnull=True).exists()

    bulky = services.get(code="bulky-items")
    with translation.override("es"):
        assert (bulky.name, bulky.group) == ("Objetos voluminosos", "Saneamiento")
        assert bulky.attributes.get(code="item-types").values[1]["name"] == "Colchón o somier"
        assert bulky.default_department.name == "Oficina de Saneamiento (BOS)"
    assert (bulky.name, bulky.attributes.get(code="item-count").description) == (
        "Bulky Items",
        "How many items are there?",
    )


def test_the_demo_council_districts_have_spanish_names_the_councils_their_own():
    from fixboard.demo.loader import _load_areas
    from fixboard.places.models import Area

    la = create_jurisdiction(slug="los-angeles", name="Los Angeles", timezone="America/Los_Angeles")
    _load_areas(DemoResult(jurisdiction=la))

    districts = Area.objects.filter(jurisdiction=la, kind="council-district")
    assert districts.count() == 15
    assert not districts.filter(name_es__isnull=True).exists()
    councils = Area.objects.filter(jurisdiction=la, kind="neighborhood-council")
    assert not councils.filter(name_es__isnull=False).exists()
    with translation.override("es"):
        assert districts.get(code="14").name == "Distrito Concejal 14"
        assert councils.get(code="4").name == "Granada Hills North NC"
    assert districts.get(code="14").name == "Council District 14"
