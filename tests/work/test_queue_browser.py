"""The work queue in Chromium: sign in, filter, keyboard, bulk close of 50, axe."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from fixboard.accounts.models import User
from fixboard.reports.models import ServiceRequest, Status
from tests.browser import DESKTOP, PHONE, axe_violations, screenshot
from tests.factories import UserFactory, make_city
from tests.web.conftest import new_page  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct horse battery"


def seed(city, n: int) -> list[ServiceRequest]:
    """`n` open potholes of the streets department, one hour apart, some with supporters."""
    now = timezone.now()
    ServiceRequest.objects.bulk_create(
        ServiceRequest(
            public_id=f"B-{i:04d}",
            jurisdiction=city.jurisdiction,
            service_type=city.pothole,
            department=city.streets,
            lat=34.05,
            long=-118.25,
            address=f"{100 + i} Main Street",
            requested_at=now - timedelta(hours=i + 1),
            updated_at=now - timedelta(hours=i + 1),
            expected_at=now - timedelta(hours=i + 1) + timedelta(hours=72),
            support_count=i % 7,
        )
        for i in range(n)
    )
    return list(ServiceRequest.objects.order_by("-requested_at"))


def sign_in(page, user, next_url="/queue/"):
    page.goto(f"/login/?next={next_url}")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Work queue")
    # htmx binds the filters' change triggers once the page has loaded: a change made
    # before that is a plain form's (it waits for "Apply").
    page.wait_for_load_state("load")
    page.wait_for_function("() => window.htmx !== undefined")


@pytest.fixture
def streets_staff(city):
    return UserFactory(
        role=User.Role.STAFF,
        first_name="Sam",
        jurisdictions=[city.jurisdiction],
        departments=[city.streets],
    )


def test_filter_sort_and_keyboard(new_page, city, streets_staff):  # noqa: F811
    seed(city, 8)
    page = new_page(viewport=DESKTOP)
    sign_in(page, streets_staff)
    expect(page).to_have_title("Work queue (8) · Fixboard")
    rows = page.locator("tr.queue-row")
    expect(rows).to_have_count(8)

    # Sorting through the form (htmx swaps the results and keeps the URL).
    page.get_by_label("Sort by").select_option("newest")
    expect(rows.first).to_contain_text("B-0000", timeout=15_000)
    expect(page).to_have_url(re.compile(r"/queue/\?.*sort=newest"))

    # The keyboard: j, j, k, x, then Enter opens the work view.
    page.locator("body").press("j")
    expect(rows.nth(0)).to_have_class("queue-row is-focused")
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("k")
    expect(rows.nth(1)).to_be_focused()
    page.keyboard.press("x")
    expect(rows.nth(1).get_by_role("checkbox")).to_be_checked()
    expect(page.locator("[data-selected-count]")).to_have_text("(1)")
    page.keyboard.press("x")
    expect(rows.nth(1).get_by_role("checkbox")).not_to_be_checked()

    # Shortcuts do nothing while typing.
    page.get_by_label("Name").press_sequentially("jx")
    expect(page.get_by_label("Name")).to_have_value("jx")
    expect(rows.nth(1)).to_have_class("queue-row is-focused")
    expect(rows.nth(1).get_by_role("checkbox")).not_to_be_checked()

    rows.nth(1).focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/queue/requests/B-0001/$"))


def test_filters_without_reload_and_shortcut_help(new_page, city, streets_staff):  # noqa: F811
    requests = seed(city, 5)
    ServiceRequest.objects.filter(pk=requests[0].pk).update(
        expected_at=timezone.now() - timedelta(hours=1)
    )
    page = new_page(viewport=DESKTOP)
    sign_in(page, streets_staff)
    page.get_by_label("SLA").select_option("overdue")
    expect(page.locator("tr.queue-row")).to_have_count(1)
    expect(page.locator("[data-queue-count]")).to_have_text("1")
    expect(page).to_have_title("Work queue (1) · Fixboard")
    page.locator("body").press("?")
    expect(page.get_by_text("select or unselect the request")).to_be_visible()


def test_bulk_close_of_50(new_page, city, streets_staff):  # noqa: F811
    seed(city, 55)
    page = new_page(viewport=DESKTOP)
    sign_in(page, streets_staff)
    expect(page.locator("tr.queue-row")).to_have_count(50)
    page.get_by_label("Select all on this page").check()
    expect(page.locator("[data-selected-count]")).to_have_text("(50)")
    page.get_by_label("Action").select_option("close")
    expect(page.get_by_label("Assign to person")).to_be_hidden()
    page.get_by_label("Close reason").select_option("fixed")
    page.get_by_label("Public message to the residents").fill("Repaired this week. Thank you!")
    page.get_by_role("button", name="Apply to selected").click()
    expect(page.get_by_role("status")).to_contain_text("50 of 50 done.")
    assert ServiceRequest.objects.filter(status=Status.CLOSED).count() == 50
    screenshot(page, "work-queue-bulk-result")
    assert axe_violations(page) == []
    page.get_by_role("link", name="Back to the queue").click()
    expect(page.locator("tr.queue-row")).to_have_count(5)


def test_queue_passes_axe_and_looks_right(new_page, city, streets_staff):  # noqa: F811
    seed(city, 12)
    other = make_city()
    assert other  # another city's requests never show
    page = new_page(viewport=DESKTOP)
    sign_in(page, streets_staff)
    page.locator("body").press("j")
    page.locator("body").press("x")
    page.locator("#kbd-help summary").click()
    assert axe_violations(page) == []
    screenshot(page, "work-queue")
    page.set_viewport_size(PHONE)
    assert axe_violations(page) == []
    screenshot(page, "work-queue-phone")
