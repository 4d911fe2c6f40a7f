"""The link the on-hold menu texts, opened on a phone in a real browser (Debian's Chromium)."""

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from fixboard.channels.deflections import deflect_call
from tests.browser import PHONE, axe_violations, screenshot
from tests.web.conftest import new_page  # noqa: F401  (the fixture)

from .conftest import RESIDENT

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_texted_link_opens_the_report_form_with_the_phone_filled_in(city, new_page):  # noqa: F811
    deflection = deflect_call(
        jurisdiction=city.jurisdiction, call_sid="CA1", phone=RESIDENT, language="en"
    )
    link = urlsplit(deflection.text.body.split()[-1])
    page = new_page(viewport=PHONE)
    page.goto(f"{link.path}?{link.query}")
    expect(page.get_by_label("Phone")).to_have_value("(323) 555-1234")
    assert axe_violations(page) == []
    screenshot(page, "channels-texted-link-report-form")
