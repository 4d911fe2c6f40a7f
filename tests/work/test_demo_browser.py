"""Staff at work, in Chromium: they sign in and find their work.

The demo as `fixboard demo` leaves it (a few hundred of its real requests, brought up to
today): `staff` finds the requests assigned to them, with the reason each ranks where it
does. A manager finds the department's overdue work and its recorded breach.
"""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from fixboard.demo.living import bring_to_life
from fixboard.reports import sla
from fixboard.reports.models import ServiceRequest
from tests.browser import DESKTOP, axe_violations, screenshot
from tests.demo.test_living_demo import small_demo
from tests.factories import UserFactory, make_city, submit_pothole
from tests.web.conftest import new_page  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(tmp_path, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Requests spread over the files' months, so that some open ones are overdue today.
    city = small_demo(tmp_path, stride=15)
    bring_to_life(city)
    return city


def sign_in(page, username: str, password: str) -> None:
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/queue/**")


def test_the_demo_staff_member_finds_their_assigned_work(new_page, demo):  # noqa: F811
    mine = ServiceRequest.objects.filter(assignee__username="staff")
    assert mine.exists()
    page = new_page(viewport=DESKTOP)
    sign_in(page, "staff", "fixboard-staff")
    page.get_by_label("Assignee").select_option("me")
    page.get_by_role("button", name="Apply", exact=True).click()
    rows = page.locator("tr.queue-row")
    expect(rows).to_have_count(mine.exclude(status="closed").count())
    for public_id in mine.values_list("public_id", flat=True):
        expect(page.locator("tr.queue-row", has_text=public_id)).to_be_visible()
    # Each row says why it ranks where it does.
    expect(rows.first.locator("td.why")).not_to_be_empty()
    assert axe_violations(page) == []


def test_a_manager_sees_overdue_work_and_its_breach(new_page, settings):  # noqa: F811
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    city = make_city()
    UserFactory(
        username="boss",
        password="correct horse battery",
        role="manager",
        jurisdictions=[city.jurisdiction],
        departments=[city.streets],
    )
    # Made four days ago; potholes are due within 72 hours.
    late = submit_pothole(city, requested_at=timezone.now() - timedelta(days=4))
    on_time = submit_pothole(city)
    assert sla.record_breaches() == 1
    page = new_page(viewport=DESKTOP)
    sign_in(page, "boss", "correct horse battery")
    page.get_by_label("SLA").select_option("overdue")
    page.get_by_role("button", name="Apply", exact=True).click()
    page.wait_for_url("**sla=overdue**")
    rows = page.locator("tr.queue-row")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(late.public_id)
    expect(rows.first.locator("td.sla")).to_contain_text("overdue")
    expect(rows.first.locator("td.why")).to_contain_text("overdue")
    assert on_time.public_id not in page.content()
    screenshot(page, "work-queue-manager-overdue")
    assert axe_violations(page) == []
    # The breach is on the request's timeline, for staff.
    rows.first.locator("a.queue-link").click()
    expect(page.get_by_text("past its SLA due time", exact=False).first).to_be_visible()
