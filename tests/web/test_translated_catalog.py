"""Spanish pages show the city's own texts in Spanish: service types, groups, questions
and their answers, departments; untranslated ones in the default language."""

import pytest

from fixboard.reports.actions import transition
from fixboard.reports.models import Status
from tests.factories import submit_pothole, translate_to_spanish

pytestmark = pytest.mark.django_db

ES = {"HTTP_ACCEPT_LANGUAGE": "es"}


@pytest.fixture
def spanish(city):
    translate_to_spanish(city)
    return city


def test_the_request_page_in_spanish_names_the_translated_type(client, spanish):
    request = submit_pothole(spanish)
    page = client.get(request.get_absolute_url(), **ES).content.decode()
    assert "<h1" in page and ">Bache</h1>" in page
    assert "› Calles</p>" in page
    assert "Pothole" not in page
    english = client.get(request.get_absolute_url()).content.decode()
    assert ">Pothole</h1>" in english


def test_the_report_form_asks_the_translated_questions(client, spanish):
    slug = spanish.jurisdiction.slug
    form = client.get(f"/{slug}/report/", {"service": "pothole"}, **ES).content.decode()
    assert "Bache" in form and "Bulky Items" in form  # the latter has no translation yet
    assert "¿Qué profundidad tiene?" in form
    assert "Poco profundo" in form and "Más de 5 cm" in form
    questions = client.get(f"/{slug}/report/questions/", {"service": "pothole"}, **ES)
    assert "¿Qué profundidad tiene?" in questions.content.decode()


def test_lists_and_map_points_name_the_type_in_the_page_language(client, spanish):
    request = submit_pothole(spanish)
    transition(request=request, to_status=Status.ACKNOWLEDGED, actor="crew")
    slug = spanish.jurisdiction.slug
    listed = client.get(f"/{slug}/list/", **ES).content.decode()
    assert "Bache" in listed and "Pothole" not in listed
    points = client.get(
        f"/{slug}/map.json",
        {"zoom": 18, "south": 34, "west": -118.3, "north": 34.1, "east": -118.1},
        **ES,
    ).json()
    assert "Bache" in str(points) and "Pothole" not in str(points)
    assert "Pothole" in client.get(f"/{slug}/list/").content.decode()
    west = spanish.west
    area = client.get(f"/{slug}/areas/{west.kind}/{west.code}/", **ES).content.decode()
    assert "Bache" in area and "Pothole" not in area
