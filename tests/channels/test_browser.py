"""The link the on-hold menu texts, opened on a phone, and the managers' phone line panel, in
a real browser (Debian's Chromium)."""

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from fixboard.accounts.models import User
from fixboard.channels.deflections import deflect_call
from tests.browser import PHONE, axe_violations, screenshot
from tests.factories import UserFactory
from tests.web.conftest import new_page  # noqa: F401  (the fixture)

from .conftest import CITY_NUMBER, RESIDENT

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


def test_a_manager_finds_the_phone_line_panel_in_the_menu(city, new_page):  # noqa: F811
    for n, caller in enumerate((RESIDENT, "+13235551235")):
        deflect_call(
            jurisdiction=city.jurisdiction,
            call_sid=f"CA{n}",
            phone=caller,
            language="en",
            line=CITY_NUMBER,
        )
    manager = UserFactory(role=User.Role.MANAGER, jurisdictions=[city.jurisdiction])
    page = new_page(viewport=PHONE)
    page.goto("/login/")
    page.get_by_label("Username").fill(manager.username)
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Phone line").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Phone line")
    today = page.get_by_role("table", name="Calls sent online")
    expect(today.get_by_role("cell").first).to_have_text("2")
    expect(page.get_by_role("row", name="(323) 555-0100 2 2")).to_be_visible()
    assert axe_violations(page) == []
    screenshot(page, "channels-phone-line-panel")
