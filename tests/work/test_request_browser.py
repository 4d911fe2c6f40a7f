"""The work view in a real browser (Debian's Chromium): staff sign in, work a request from
report to close, merge a duplicate; axe-core and the keyboard; and the same forms without
JavaScript."""

import re

import pytest
from django.core import mail
from PIL import Image
from playwright.sync_api import expect

from fixboard.catalog.models import CannedResponse
from fixboard.reports.actions import ContactDetails, follow, support, upsert_contact
from fixboard.reports.models import Event, ServiceRequest
from tests.browser import DESKTOP, PHONE, axe_violations, block_outside, screenshot
from tests.factories import INSIDE_EAST, UserFactory, make_city, submit_pothole
from tests.web import conftest as web_conftest

# The resident pages' browser fixture (`new_page`): fresh contexts, no network, JS errors fail.
new_page = web_conftest.new_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct horse battery"
REPORTER = "ana.reporter@example.org"
NOTE = "INTERNAL-MARKER-BROWSER-3K"


def work_url(sr) -> str:
    return f"/queue/requests/{sr.public_id}/"


def sign_in(page, username, next_url):
    page.goto(f"/login/?next={next_url}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation():  # and its scripts have run (htmx, the map)
        page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("load")


def no_serious_axe(page):
    violations = axe_violations(page)
    assert violations == [], violations


def after_photo(tmp_path):
    path = tmp_path / "after.jpg"
    Image.new("RGB", (320, 240), "seagreen").save(path, "JPEG")
    return path


@pytest.fixture
def town():
    city = make_city()
    city.pothole.after_photo_required = True
    city.pothole.save()
    CannedResponse.objects.create(
        jurisdiction=city.jurisdiction,
        service_type=city.pothole,
        title="Acknowledge",
        text="Thank you: {service} {id} is on the list of {department}.",
    )
    staff = UserFactory(
        username="staff",
        first_name="Sam",
        last_name="Streets",
        role="staff",
        jurisdictions=[city.jurisdiction],
        departments=[city.streets],
    )
    UserFactory(
        username="cleo",
        first_name="Cleo",
        last_name="Crew",
        role="staff",
        jurisdictions=[city.jurisdiction],
        departments=[city.streets],
    )
    return city, staff


def test_staff_work_a_request_from_report_to_close_and_the_public_sees_public_steps_only(
    new_page, town, tmp_path
):
    city, staff = town
    sr = submit_pothole(city, email=REPORTER, description="Deep hole by the school gate")
    page = new_page(viewport=DESKTOP)

    sign_in(page, "staff", work_url(sr))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Pothole")
    expect(page.locator("#reporter-heading")).to_be_visible()
    expect(page.get_by_text(REPORTER)).to_be_visible()
    # htmx swaps the page in place: a mark set now survives each action.
    page.evaluate("window.stillHere = true")

    # Assign to a person of the department.
    page.get_by_label("Person").select_option(label="Cleo Crew")
    page.locator("#assign").get_by_role("button", name="Assign").click()
    expect(page.locator(".messages")).to_contain_text("Assigned to Cleo Crew")
    expect(page.locator("#timeline")).to_contain_text("Assigned to Cleo Crew")

    # An internal note.
    page.get_by_label("Text", exact=True).fill(NOTE)
    page.get_by_role("button", name="Add internal note").click()
    expect(page.locator(".messages")).to_contain_text("Internal note added")
    note = page.locator("#timeline li", has_text=NOTE)
    expect(note).to_contain_text("Internal — not shown to the public")
    expect(note).to_contain_text("by Sam Streets")

    # Acknowledge with a canned response: inserted, filled in on the server, then posted.
    page.get_by_label("Canned response").select_option(label="Acknowledge (public update)")
    page.get_by_role("button", name="Insert").click()
    filled = f"Thank you: Pothole {sr.public_id} is on the list of Streets."
    expect(page.get_by_label("Text", exact=True)).to_have_value(filled)
    page.get_by_role("button", name="Post public update").click()
    expect(page.locator(".messages")).to_contain_text("Public update posted")
    page.get_by_label("New status").select_option("acknowledged")
    page.locator("#status").get_by_role("button", name="Change status").click()
    expect(page.locator(".messages")).to_contain_text("Status changed to acknowledged")

    # Closing as fixed asks for the after-photo here; the field says why.
    page.get_by_label("New status").select_option("closed")
    page.get_by_label("fixed", exact=True).check()
    page.locator("#status").get_by_role("button", name="Change status").click()
    expect(page.locator("#id_status-photo_errors")).to_contain_text("add the after-photo")
    page.get_by_label("fixed", exact=True).check()
    page.get_by_label("Photo of the work done").set_input_files(str(after_photo(tmp_path)))
    page.get_by_label("Note to the public").fill("Filled and rolled this morning.")
    page.locator("#status").get_by_role("button", name="Change status").click()
    expect(page.locator(".messages")).to_contain_text("Closed (fixed)")
    expect(page.locator(".request-head .badge").first).to_have_text("fixed")
    expect(page.get_by_role("img", name="Photo of the work done")).to_be_visible()
    assert page.evaluate("window.stillHere") is True
    screenshot(page, "work-request-desktop")
    no_serious_axe(page)

    # The resident's page: the public steps, not the internal note.
    public = new_page(viewport=PHONE)
    public.goto(sr.get_absolute_url())
    expect(public.locator("#timeline")).to_contain_text(filled)
    expect(public.locator("#timeline")).to_contain_text("Filled and rolled this morning.")
    expect(public.get_by_role("img", name=re.compile("after the work"))).to_be_visible()
    assert NOTE not in public.content()
    assert "Cleo" not in public.content()

    # And the resident's e-mails: the public update and the close, never the note.
    to_reporter = [m for m in mail.outbox if REPORTER in m.to]
    bodies = "\n".join(m.body for m in to_reporter)
    assert filled in bodies
    assert "Filled and rolled this morning." in bodies
    assert any(m.subject.endswith(": fixed") for m in to_reporter)
    assert NOTE not in bodies
    assert all(NOTE not in m.alternatives[0][0] for m in to_reporter)


def test_a_merge_previews_the_other_request_and_moves_supporters_and_followers(new_page, town):
    city, staff = town
    canonical = submit_pothole(city, description="First report of the hole on Main")
    duplicate = submit_pothole(city, at=INSIDE_EAST, email=REPORTER)
    support(request=duplicate, actor=None, client_key="neighbour-1")
    support(request=duplicate, actor=None, client_key="neighbour-2")
    follow(request=duplicate, actor=upsert_contact(ContactDetails(email="fol@example.org")))
    page = new_page(viewport=DESKTOP)
    sign_in(page, "staff", work_url(duplicate))

    page.get_by_label("Merge into request").fill(canonical.public_id.lower())
    expect(page.locator("#merge-preview")).to_contain_text("First report of the hole on Main")
    page.get_by_role("button", name="Merge", exact=True).click()
    expect(page.locator(".messages")).to_contain_text(f"Merged into {canonical.public_id}")
    expect(page.locator("#timeline")).to_contain_text(
        f"Merged as a duplicate of {canonical.public_id}"
    )

    canonical.refresh_from_db()
    assert canonical.support_count == 3  # two supporters and the duplicate's reporter
    assert canonical.follow_count == 2  # the follower and the duplicate's reporter
    page.get_by_role("link", name=canonical.public_id).first.click()
    expect(page.locator(".facts")).to_contain_text(duplicate.public_id)
    screenshot(page, "work-request-merged")
    assert any("duplicate" in m.subject for m in mail.outbox if REPORTER in m.to)


def test_the_page_works_by_keyboard(new_page, town):
    city, staff = town
    sr = submit_pothole(city)
    page = new_page(viewport=DESKTOP)
    sign_in(page, "staff", work_url(sr))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Pothole")

    def tab_to(locator, limit=120):
        for _ in range(limit):
            if locator.evaluate("el => el === document.activeElement"):
                return
            page.keyboard.press("Tab")
        raise AssertionError(f"{locator} is not reachable with Tab")

    tab_to(page.get_by_label("Text", exact=True))
    page.keyboard.type("Typed with the keyboard only")
    tab_to(page.get_by_role("button", name="Add internal note"))
    page.keyboard.press("Enter")
    expect(page.locator("#timeline")).to_contain_text("Typed with the keyboard only")

    # A folded form opens from the keyboard too.
    summary = page.get_by_text("Edit priority", exact=True)
    tab_to(summary)
    page.keyboard.press("Enter")
    tab_to(page.get_by_label("Priority", exact=True))
    page.keyboard.press("End")  # the last choice: +3 urgent
    tab_to(page.get_by_role("button", name="Set priority"))
    page.keyboard.press("Enter")
    expect(page.locator(".messages")).to_contain_text("Priority set to +3")
    assert ServiceRequest.objects.get(pk=sr.pk).priority == 3
    no_serious_axe(page)


def test_without_javascript_every_form_still_posts_and_comes_back(browser, live_server, town):
    city, staff = town
    sr = submit_pothole(city)
    context = browser.new_context(
        viewport=DESKTOP, base_url=live_server.url, java_script_enabled=False
    )
    context.set_default_timeout(15_000)
    block_outside(context)
    try:
        page = context.new_page()
        sign_in(page, "staff", work_url(sr))
        # A canned response is inserted by reloading the page with it.
        page.get_by_label("Canned response").select_option(label="Acknowledge (public update)")
        page.get_by_role("button", name="Insert").click()
        expect(page.get_by_label("Text", exact=True)).to_have_value(
            f"Thank you: Pothole {sr.public_id} is on the list of Streets."
        )
        page.get_by_label("Text", exact=True).fill(NOTE)
        page.get_by_role("button", name="Add internal note").click()
        expect(page.locator(".messages")).to_contain_text("Internal note added")
        assert page.url.endswith(work_url(sr) + "#timeline")
        # "Preview" shows the other request before merging.
        other = submit_pothole(city, at=INSIDE_EAST, description="The other hole")
        page.get_by_label("Merge into request").fill(other.public_id)
        page.get_by_role("button", name="Preview").click()
        expect(page.locator("#merge-preview")).to_contain_text("The other hole")
        page.get_by_role("button", name="Merge", exact=True).click()
        expect(page.locator(".messages")).to_contain_text(f"Merged into {other.public_id}")
        assert Event.objects.filter(request=sr, kind=Event.Kind.MERGED).exists()
    finally:
        context.close()


def test_another_department_reads_on_a_phone_and_may_only_add_notes(new_page, town):
    city, _staff = town
    UserFactory(
        username="parks",
        first_name="Pat",
        role="staff",
        jurisdictions=[city.jurisdiction],
        departments=[city.parks],
    )
    sr = submit_pothole(city, email=REPORTER)
    page = new_page(viewport=PHONE)
    sign_in(page, "parks", work_url(sr))
    expect(page.locator("#read-only")).to_contain_text("you can read it and add internal notes")
    expect(page.get_by_role("button", name="Add internal note")).to_be_visible()
    expect(page.get_by_role("button", name="Post public update")).to_have_count(0)
    expect(page.get_by_role("button", name="Change status")).to_have_count(0)
    screenshot(page, "work-request-read-only-phone")
    no_serious_axe(page)


def test_a_click_on_the_map_picks_the_new_location(new_page, town):
    city, _staff = town
    sr = submit_pothole(city)
    page = new_page(viewport=DESKTOP)
    sign_in(page, "staff", work_url(sr))
    page.get_by_text("Change location", exact=True).click()
    page.locator("#work-map").scroll_into_view_if_needed()
    box = page.locator("#work-map").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.8, box["y"] + box["height"] * 0.5)
    expect(page.locator("#location-picked")).not_to_be_empty()
    lat = float(page.get_by_label("Latitude").input_value())
    long = float(page.get_by_label("Longitude").input_value())
    assert abs(lat - sr.lat) < 0.001 and long > sr.long  # east of the pin, on the same street
    page.get_by_label("Address (optional)").fill("12 Picked Street")
    page.get_by_role("button", name="Move the request").click()
    expect(page.locator(".messages")).to_contain_text("Location changed")
    expect(page.locator("#timeline")).to_contain_text("Moved to 12 Picked Street")
    sr.refresh_from_db()
    assert (round(sr.lat, 6), round(sr.long, 6)) == (round(lat, 6), round(long, 6))
