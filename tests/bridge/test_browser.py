"""In a real browser: a resident's page says the report went to the city's system (the
admin screens are Django's own, tested through HTTP in test_admin)."""

import pytest
from playwright.sync_api import expect

from tests.browser import PHONE, axe_violations, screenshot
from tests.factories import make_city, submit_pothole
from tests.web.conftest import new_page  # noqa: F401  (the fixture)

from .conftest import connect, drain
from .standin import Crm, Running

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_resident_sees_the_report_went_to_the_city_system(new_page):  # noqa: F811
    city = make_city()
    crm = Running(Crm())
    try:
        connect(city, crm.url)
        request = submit_pothole(city)
        drain()
    finally:
        crm.stop()
    resident = new_page(viewport=PHONE)
    resident.goto(request.get_absolute_url())
    expect(resident.locator("#timeline")).to_contain_text(
        "Sent to the city's system, reference CRM-00001"
    )
    expect(resident.locator("#timeline")).not_to_contain_text("Closed")
    screenshot(resident, "crm-hand-off-request-phone")
    assert axe_violations(resident) == []
