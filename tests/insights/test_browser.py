"""The city page with its figures in a real browser: phone and desktop, English and Spanish."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from fixboard.reports.actions import submit_request, transition
from fixboard.reports.models import CloseReason, Status
from tests.browser import DESKTOP, PHONE, axe_violations, screenshot
from tests.factories import INSIDE_EAST, INSIDE_WEST, make_city, submit_pothole

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DAY = timedelta(days=1)


def close(request, reason=CloseReason.FIXED, *, after_days=0):
    at = request.requested_at + after_days * DAY + timedelta(hours=3)
    transition(request=request, to_status=Status.CLOSED, close_reason=reason, actor=None, at=at)


def a_month_of_reports():
    """Potholes and bulky items over the last month: most fixed, some open, one cancelled."""
    city = make_city()
    now = timezone.now()
    for n in range(17):
        pothole = submit_pothole(
            city, at=INSIDE_WEST if n % 3 else INSIDE_EAST, requested_at=now - (30 - n) * DAY
        )
        if n < 15:
            close(pothole, after_days=n % 6 + (9 if n == 14 else 0))
    for n in range(6):
        bulky = submit_request(
            service_type=city.bulky,
            lat=INSIDE_EAST[0],
            long=INSIDE_EAST[1],
            attributes={"items": "2"},
            description="A sofa",
            actor=None,
            requested_at=now - (20 - n) * DAY,
        )
        if n < 3:
            close(bulky, after_days=2 * n + 1)
        elif n == 3:
            close(bulky, CloseReason.CANCELLED)
    return city


def test_the_city_page_shows_its_figures_on_a_phone_and_a_desktop(new_page):
    city = a_month_of_reports()
    for size, viewport, locale in (("phone", PHONE, "en-US"), ("desktop", DESKTOP, "es-ES")):
        page = new_page(viewport=viewport, locale=locale)
        page.goto(f"/{city.jurisdiction.slug}/")
        figures = page.locator("section.figures")
        if locale == "en-US":
            expect(figures).to_contain_text("18 of 23 problems reported have been fixed.")
            table = page.get_by_role("table", name="By kind of problem")
            expect(table.get_by_role("row", name=re.compile("^Pothole .*15 of 17"))).to_be_visible()
        else:
            expect(figures).to_contain_text("Se han arreglado 18 de 23 problemas avisados.")
            expect(page.get_by_role("table", name="Por departamento")).to_be_visible()
        figures.scroll_into_view_if_needed()
        screenshot(page, f"city-figures-{size}{'-es' if locale != 'en-US' else ''}")
        assert axe_violations(page) == []
