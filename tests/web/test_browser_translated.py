"""A Spanish-speaking resident reads the city's own texts in Spanish, in a real browser."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser import DESKTOP, PHONE, axe_violations, screenshot
from tests.factories import make_city, submit_pothole, translate_to_spanish

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(("viewport", "size"), [(PHONE, "phone"), (DESKTOP, "desktop")])
def test_report_form_and_request_page_in_spanish(new_page, viewport, size):
    city = make_city()
    translate_to_spanish(city)
    request = submit_pothole(city)
    page = new_page(viewport=viewport, locale="es-ES")

    page.goto(f"/{city.jurisdiction.slug}/report/")
    page.get_by_label("Bache").check()
    question = page.get_by_role("group", name=re.compile(re.escape("¿Qué profundidad tiene?")))
    expect(question).to_be_visible()
    question.get_by_label("Más de 5 cm").check()
    expect(page.get_by_label("Bulky Items")).to_be_visible()  # not translated: English
    screenshot(page, f"report-translated-{size}-es")
    assert axe_violations(page) == []

    page.goto(request.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_have_text("Bache")
    expect(page.get_by_text("› Calles")).to_be_visible()
    screenshot(page, f"request-translated-{size}-es")
    assert axe_violations(page) == []
