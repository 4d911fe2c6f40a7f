"""The new links in a real browser: the header on a phone and a desktop, the map's
"Follow and reuse" box, a download of the filtered view; axe-clean."""

import csv

import pytest
from playwright.sync_api import expect

from tests.browser import DESKTOP, PHONE, axe_violations, screenshot
from tests.factories import INSIDE_EAST, make_city, submit_pothole

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(("viewport", "size"), [(PHONE, "phone"), (DESKTOP, "desktop")])
def test_header_and_map_show_my_reports_sign_in_feeds_and_downloads(new_page, viewport, size):
    city = make_city()
    west = submit_pothole(city, description="West hole")
    submit_pothole(city, at=INSIDE_EAST, description="East hole")
    page = new_page(viewport=viewport)
    page.goto(f"/{city.jurisdiction.slug}/?area={city.west.pk}")

    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="My reports")).to_be_visible()
    expect(nav.get_by_role("link", name="Sign in")).to_be_visible()
    reuse = page.get_by_role("region", name="Follow and reuse")
    expect(reuse.get_by_role("link", name="New reports in West Ward, Testville")).to_be_visible()
    expect(reuse.get_by_role("link", name="Put this map on your website")).to_be_visible()
    screenshot(page, f"map-links-{size}")
    assert axe_violations(page) == []

    with page.expect_download() as download:
        reuse.get_by_role("link", name="CSV").click()
    with open(download.value.path(), encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert download.value.suggested_filename == f"{city.jurisdiction.slug}-requests.csv"
    assert [r["id"] for r in rows] == [west.public_id]


def test_my_reports_is_reached_by_keyboard_from_the_header(new_page):
    city = make_city()
    page = new_page(viewport=DESKTOP)
    page.goto(f"/{city.jurisdiction.slug}/")
    link = page.get_by_role("link", name="My reports")
    for _ in range(10):
        page.keyboard.press("Tab")
        if link.evaluate("el => el === document.activeElement"):
            break
    expect(link).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert axe_violations(page) == []
