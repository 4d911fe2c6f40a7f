"""Changing the caller in Chromium, by keyboard alone: the place, the problem and the
answers typed for the new request stay while another caller is found (Alt+R)."""

import pytest
from playwright.sync_api import expect

from fixboard.reports.actions import ContactDetails, upsert_contact
from fixboard.reports.models import Channel, ServiceRequest
from tests.browser import DESKTOP, axe_violations
from tests.web.conftest import new_page  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WAIT_MS = 15_000


def focused(page, element_id: str) -> None:
    expect(page.locator(f"#{element_id}")).to_be_focused(timeout=WAIT_MS)


def test_the_agent_changes_the_caller_without_losing_the_call(new_page, city, agent, settings):  # noqa: F811
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    agent.set_password("correct horse battery")
    agent.save(update_fields=["password"])
    upsert_contact(ContactDetails(name="Ana Reyes", phone="(323) 555-0142"))
    bo = upsert_contact(ContactDetails(name="Bo Chen", phone="(323) 555-0177"))

    page = new_page(viewport=DESKTOP)
    page.goto("/login/")
    page.get_by_label("Username").focus()
    page.keyboard.type("cal")
    page.keyboard.press("Tab")
    page.keyboard.type("correct horse battery")
    page.keyboard.press("Enter")
    page.wait_for_url("**/console/")
    focused(page, "new-call")

    page.keyboard.press("Alt+N")
    focused(page, "caller-q")
    page.keyboard.type("323 555 0142")
    page.keyboard.press("Enter")
    expect(page.locator("#caller")).to_contain_text("Ana Reyes")
    focused(page, "place-q")
    page.keyboard.type("1900 e 4th")
    page.keyboard.press("Enter")
    focused(page, "problem-q")
    page.keyboard.type("pothole")
    page.keyboard.press("Enter")
    focused(page, "attr-depth")
    page.keyboard.press("ArrowDown")  # How deep is it? The first choice
    page.keyboard.press("Tab")
    page.keyboard.type("Right by the bus stop")

    # It is not Ana on the line but Bo: one key, shown on screen, opens the caller step.
    expect(page.locator("#change-caller")).to_contain_text("Alt+R")
    page.keyboard.press("Alt+R")
    focused(page, "caller-q")
    expect(page.locator("#caller")).not_to_contain_text("Ana Reyes")
    expect(page.locator("#place-chosen")).to_contain_text("1900 E 4th St")
    expect(page.locator("#problem .chosen")).to_contain_text("Pothole")
    expect(page.locator("#attr-depth")).to_have_value("shallow")
    expect(page.locator("#description")).to_have_value("Right by the bus stop")
    expect(page.get_by_text("Find the caller: the place and problem stay.")).to_be_visible()
    assert axe_violations(page) == []

    page.keyboard.type("323 555 0177")
    page.keyboard.press("Enter")
    expect(page.locator("#caller")).to_contain_text("Bo Chen")
    focused(page, "attr-depth")
    page.keyboard.press("Alt+C")
    focused(page, "readback")

    request = ServiceRequest.objects.get()
    expect(page.locator("[data-public-id]")).to_have_text(request.public_id)
    assert request.channel == Channel.PHONE and request.reporter == bo
    assert request.address == "1900 E 4th St" and request.attributes == {"depth": "shallow"}
    assert request.description == "Right by the bus stop"
