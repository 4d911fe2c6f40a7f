"""Phone polish and trust pages in a real browser: list cards, the error page, the request
page with its answers, a pending report seen by its own browser; screenshots and axe."""

import pytest

from fixboard.reports.actions import ContactDetails, transition, upsert_contact
from fixboard.reports.confirmations import answer_fixed_check, latest_fixed_close
from fixboard.reports.models import CloseReason, Status
from tests.browser import DESKTOP, PHONE, axe_violations, screenshot
from tests.factories import INSIDE_EAST, INSIDE_WEST, make_city, submit_pothole

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STREETS = ["1900 E 4th St", "200 N Spring St", "4321 W Sunset Blvd Apt 12", "85 Soto St"]


@pytest.fixture
def town():
    city = make_city(slug="testville")
    city.pothole.requires_confirmation = True
    city.pothole.save(update_fields=["requires_confirmation"])
    for i, street in enumerate(STREETS):
        submit_pothole(
            city,
            at=INSIDE_WEST if i % 2 else INSIDE_EAST,
            address=street,
            description="A deep pothole that has been growing for weeks " * (i + 1),
        )
    return city


@pytest.mark.parametrize("viewport,name", [(PHONE, "phone"), (DESKTOP, "desktop")])
def test_the_list_is_cards_on_a_phone_and_a_table_on_a_desktop(new_page, town, viewport, name):
    page = new_page(viewport=viewport)
    page.goto("/testville/list/")

    width = page.evaluate("document.scrollingElement.scrollWidth")
    display = page.eval_on_selector(".request-cards tr", "tr => getComputedStyle(tr).display")
    screenshot(page, f"trust-list-{name}")
    assert width <= viewport["width"], "nothing to scroll sideways"
    assert display == ("block" if name == "phone" else "table-row")
    assert axe_violations(page) == []


@pytest.mark.parametrize("viewport,name", [(PHONE, "phone"), (DESKTOP, "desktop")])
def test_the_404_page_in_spanish(new_page, town, viewport, name):
    page = new_page(viewport=viewport, locale="es-ES")
    response = page.goto("/requests/ZZZZ-ZZZZ/")

    assert response.status == 404
    assert page.locator("h1").inner_text() == "No encontramos esta página"
    screenshot(page, f"trust-404-{name}")
    assert axe_violations(page) == []


@pytest.mark.parametrize("viewport,name", [(PHONE, "phone"), (DESKTOP, "desktop")])
def test_the_request_page_with_answers_and_fixed_confirmations(new_page, town, viewport, name):
    request = submit_pothole(town, email="ana@example.org", address="1900 E 4th St")
    transition(
        request=request, to_status=Status.CLOSED, close_reason=CloseReason.FIXED, actor="crew"
    )
    request.refresh_from_db()
    close = latest_fixed_close(request)
    for email in ("ana@example.org", "bo@example.org"):
        contact = upsert_contact(ContactDetails(email=email))
        answer_fixed_check(request=request, close_event_id=close.pk, contact=contact, fixed=True)
    page = new_page(viewport=viewport)
    page.goto(request.get_absolute_url())

    answers = page.locator("#answers").inner_text()
    assert "How deep is it?" in answers and "Deeper than 5 cm" in answers
    assert page.locator("#fixed-confirmations").inner_text() == "2 residents confirmed it fixed"
    screenshot(page, f"trust-request-answers-{name}")
    assert axe_violations(page) == []


def test_a_pending_report_is_seen_by_its_own_browser_only(new_page, town, live_server):
    page = new_page(viewport=PHONE)
    page.goto("/testville/report/")
    token = page.locator("input[name=csrfmiddlewaretoken]").first.input_value()
    sent = page.request.post(
        f"{live_server.url}/testville/report/",
        form={
            "csrfmiddlewaretoken": token,
            "service": "pothole",
            "attribute[depth]": "deep",
            "description": "Hole by the school gate, getting bigger",
            "lat": str(INSIDE_WEST[0]),
            "long": str(INSIDE_WEST[1]),
            "address": "1900 E 4th St",
            "email": "new.resident@example.org",
        },
        headers={"Referer": f"{live_server.url}/testville/report/"},
    )
    assert sent.ok
    page.goto(sent.url)
    page.get_by_role("link", name="See your report while it waits").click()

    assert "Waiting for your confirmation." in page.locator("#pending").inner_text()
    assert page.locator("#answers").inner_text().count("Deeper than 5 cm") == 1
    screenshot(page, "trust-pending-report-phone")
    assert axe_violations(page) == []
    desktop = new_page(viewport=DESKTOP)
    desktop.goto(page.url.replace(live_server.url, ""))
    assert desktop.locator("h1").inner_text() == "We cannot find this page"
    page.set_viewport_size(DESKTOP)
    screenshot(page, "trust-pending-report-desktop")


def test_form_controls_show_a_clear_focus_ring(new_page, town):
    page = new_page(viewport=PHONE)
    page.goto("/testville/report/")
    page.keyboard.press("Tab")
    for selector in ("input[type=radio]", "#id_email", "#id_show_name"):
        page.focus(selector)
        ring = page.eval_on_selector(
            selector,
            "el => { const s = getComputedStyle(el);"
            " return [s.outlineStyle, parseFloat(s.outlineWidth)]; }",
        )
        assert ring[0] == "solid" and ring[1] >= 3, (selector, ring)
    page.focus("input[type=radio]")
    screenshot(page, "trust-focus-ring-phone")
