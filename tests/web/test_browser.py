"""The resident flows in a real browser (Debian's Chromium), with no network but the server."""

import io
import re

import pytest
from django.test.utils import CaptureQueriesContext  # noqa: F401
from PIL import Image
from playwright.sync_api import expect
from shapely.geometry import box

from fixboard.catalog.models import AttributeDefinition
from fixboard.places.actions import create_jurisdiction, import_areas
from fixboard.places.addresses import record_addresses
from fixboard.reports.actions import confirm_follow, transition
from fixboard.reports.models import CloseReason, Contact, ServiceRequest, Status
from tests.browser import DESKTOP, PHONE, axe_violations, screenshot
from tests.factories import (
    INSIDE_EAST,
    INSIDE_WEST,
    AttributeFactory,
    DepartmentFactory,
    ServiceTypeFactory,
    feature,
    make_city,
    submit_pothole,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def tuscan_town():
    """A small town around the points where the sample photos were taken."""
    town = create_jurisdiction(slug="cortona", name="Cortona", timezone="Europe/Rome")
    import_areas(
        jurisdiction=town,
        features=[
            feature("Centro", "1", box(11.86, 43.45, 11.885, 43.48)),
            feature("Est", "2", box(11.885, 43.45, 11.91, 43.48)),
        ],
        kind="quartiere",
        name_property="name",
        code_property="code",
    )
    roads = DepartmentFactory(jurisdiction=town, code="strade", name="Strade")
    pothole = ServiceTypeFactory(
        jurisdiction=town,
        code="buca",
        name="Pothole",
        group="Streets",
        default_department=roads,
        sla_value=48,
    )
    AttributeFactory(
        service_type=pothole,
        code="depth",
        description="How deep is it?",
        datatype=AttributeDefinition.Datatype.SINGLEVALUELIST,
        required=True,
        values=[{"key": "shallow", "name": "Shallow"}, {"key": "deep", "name": "Deep"}],
    )
    ServiceTypeFactory(jurisdiction=town, code="graffiti", name="Graffiti", group="Cleaning")
    return town, pothole


def no_serious_axe(page):
    violations = axe_violations(page)
    assert violations == [], violations


def test_report_with_a_gps_photo_takes_its_location_and_strips_exif(
    new_page, shared_data, settings
):
    town, _pothole = tuscan_town()
    photo = shared_data / "photos" / "DSCN0010.jpg"
    page = new_page(viewport=PHONE)

    page.goto(f"/{town.slug}/report/")
    page.set_input_files("#id_photos", str(photo))
    expect(page.locator("#location-status")).to_contain_text("from your photo")
    page.get_by_label("Pothole").check()
    page.get_by_label("Deep", exact=True).check()
    page.get_by_label("Describe the problem").fill("Big hole in front of the church steps")
    screenshot(page, "report-phone")
    no_serious_axe(page)
    page.get_by_role("button", name="Send report").click()

    expect(page.locator("h1")).to_have_text("Pothole")
    created = ServiceRequest.objects.get(jurisdiction=town)
    assert (round(created.lat, 4), round(created.long, 4)) == (43.4674, 11.8851)
    assert created.attributes == {"depth": "deep"}
    stored = created.photos.get()
    with stored.image.open("rb") as f:
        data = f.read()
    assert b"Exif" not in data[:4096]
    assert not Image.open(io.BytesIO(data)).getexif()
    expect(page.get_by_role("img", name="Photo sent with the report")).to_be_visible()
    screenshot(page, "request-phone")
    no_serious_axe(page)
    assert page.context.blocked == [] or all("localhost" not in u for u in page.context.blocked)


def test_geolocation_offers_the_nearby_report_and_support_counts_it(new_page):
    city = make_city()
    existing = submit_pothole(city, description="Hole near the bus stop")
    page = new_page(
        viewport=DESKTOP, geolocation={"latitude": INSIDE_WEST[0], "longitude": INSIDE_WEST[1]}
    )

    page.goto(f"/{city.jurisdiction.slug}/report/")
    page.get_by_role("button", name="Use my location").click()
    expect(page.locator("#location-status")).to_contain_text("34.050000, -118.250000")
    page.get_by_label("Pothole").check()
    dupes = page.locator("#nearby")
    expect(dupes).to_contain_text("Is it one of these?")
    expect(dupes).to_contain_text(existing.public_id)
    screenshot(page, "report-duplicates-desktop")
    dupes.get_by_role("button", name=re.compile("support it")).click()

    expect(page).to_have_url(re.compile(f"/requests/{existing.public_id}/$"))
    existing.refresh_from_db()
    assert existing.support_count == 1
    expect(page.locator("#support-count")).to_have_text("1")


def test_report_by_typed_address_uses_the_address_index(new_page):
    city = make_city()
    record_addresses(
        jurisdiction=city.jurisdiction,
        addresses=[("100 Main Street", "90012", INSIDE_EAST[0], INSIDE_EAST[1])],
    )
    page = new_page(viewport=PHONE)

    page.goto(f"/{city.jurisdiction.slug}/report/")
    page.get_by_label("Bulky Items").check()
    page.get_by_label("How many items?").fill("3")
    address = page.get_by_role("combobox", name=re.compile("Address"))
    address.fill("100 main")
    expect(page.get_by_role("option", name=re.compile("100 Main Street"))).to_be_visible()
    address.press("ArrowDown")
    address.press("Enter")
    expect(page.locator("#location-status")).to_contain_text("34.050000, -118.150000")
    expect(page.locator("#nearest-address")).to_have_text(
        "Nearest known address: 100 Main Street 90012"
    )
    page.get_by_role("button", name="Send report").click()

    expect(page.locator("h1")).to_have_text("Bulky Items")
    created = ServiceRequest.objects.get(service_type=city.bulky)
    assert created.address == "100 Main Street"
    assert (created.lat, created.long) == INSIDE_EAST
    assert created.areas.get() == city.east


def test_bad_input_shows_messages_at_the_fields_and_keeps_the_rest(new_page, tmp_path):
    city = make_city()
    not_an_image = tmp_path / "notes.jpg"
    not_an_image.write_text("this is not a photo")
    page = new_page(viewport=DESKTOP)

    page.goto(f"/{city.jurisdiction.slug}/report/")
    page.get_by_label("Pothole").check()
    expect(page.get_by_label("Shallow")).to_be_visible()
    page.locator("summary").click()
    page.get_by_label("Latitude").fill("40.71")
    page.get_by_label("Longitude").fill("-74.0")
    page.get_by_label("Describe the problem").fill("<script>window.hacked=1</script> deep hole")
    page.set_input_files("#id_photos", str(not_an_image))
    page.get_by_label("Your name").fill("Ana")
    page.get_by_role("button", name="Send report").click()

    expect(page.locator("[data-errors-for='attribute[depth]']")).to_contain_text(
        "Please answer: How deep is it?"
    )
    expect(page.locator("[data-errors-for='photos']")).to_contain_text("not a photo we can read")
    assert page.get_by_label("Describe the problem").input_value().startswith("<script>")
    assert page.get_by_label("Your name").input_value() == "Ana"
    assert page.evaluate("window.hacked") is None
    screenshot(page, "report-errors-desktop")

    page.get_by_label("Deeper than 5 cm").check()
    page.set_input_files("#id_photos", [])
    page.get_by_role("button", name="Send report").click()
    expect(page.locator("[data-errors-for='location']")).to_contain_text("outside Testville")
    assert not ServiceRequest.objects.exists()

    page.get_by_label("Latitude").fill(str(INSIDE_WEST[0]))
    page.get_by_label("Longitude").fill(str(INSIDE_WEST[1]))
    page.get_by_role("button", name="Send report").click()
    expect(page.locator("h1")).to_have_text("Pothole")
    created = ServiceRequest.objects.get()
    assert created.description == "<script>window.hacked=1</script> deep hole"
    expect(page.get_by_text("<script>window.hacked=1</script> deep hole")).to_be_visible()
    assert page.evaluate("window.hacked") is None


def test_follower_reopens_a_fixed_request_with_one_tap(new_page):
    city = make_city()
    request = submit_pothole(city)
    page = new_page(viewport=DESKTOP)
    page.goto(request.get_absolute_url())
    page.locator("#id_follow-email").fill("neighbour@example.org")
    page.get_by_role("button", name="Follow", exact=True).click()
    expect(page.get_by_text("open it to start following this request")).to_be_visible()
    # The neighbour opens the e-mailed link (tested in tests/notify) on another device.
    confirm_follow(request=request, contact=Contact.objects.get(email="neighbour@example.org"))
    transition(
        request=request,
        to_status=Status.CLOSED,
        close_reason=CloseReason.FIXED,
        actor="crew",
        note="Patched with asphalt.",
    )

    page.reload()
    expect(page.get_by_text("Patched with asphalt.").first).to_be_visible()
    screenshot(page, "request-desktop")
    no_serious_axe(page)
    page.get_by_role("button", name="It's still broken").click()

    expect(page.get_by_text("Reopened. The city will take another look.")).to_be_visible()
    request.refresh_from_db()
    assert request.status == Status.IN_PROGRESS
    reopen = request.events.order_by("-id").first()
    assert (reopen.from_status, reopen.to_status) == (Status.CLOSED, Status.IN_PROGRESS)


def test_map_list_and_home_look_finished_and_pass_axe(new_page):
    city = make_city()
    for i in range(3):
        submit_pothole(city, description=f"Hole {i}")
    for viewport, size in ((PHONE, "phone"), (DESKTOP, "desktop")):
        page = new_page(viewport=viewport)
        page.goto("/")
        expect(page.get_by_role("heading", name="Testville")).to_be_visible()
        screenshot(page, f"home-{size}")
        no_serious_axe(page)
        page.goto(f"/{city.jurisdiction.slug}/")
        expect(page.locator("#map-status")).to_contain_text("3 requests in this view")
        expect(page.locator(".leaflet-marker-icon").first).to_be_visible()
        screenshot(page, f"map-{size}")
        no_serious_axe(page)
        page.get_by_role("link", name="List", exact=True).click()
        expect(page.get_by_role("cell", name=re.compile("Hole 2"))).to_be_visible()
        screenshot(page, f"list-{size}")
        no_serious_axe(page)


def test_spanish_pages(new_page):
    city = make_city()
    request = submit_pothole(city)
    page = new_page(viewport=PHONE, locale="es-ES")

    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(
        page.get_by_role("link", name=re.compile("Informar de un problema")).first
    ).to_be_visible()
    page.goto(f"/{city.jurisdiction.slug}/report/")
    expect(page.get_by_role("button", name="Enviar el aviso")).to_be_visible()
    screenshot(page, "report-phone-es")
    no_serious_axe(page)
    page.goto(request.get_absolute_url())
    expect(page.get_by_role("heading", name="Cronología")).to_be_visible()
    page.get_by_label("Idioma").select_option("en")
    expect(page.get_by_role("heading", name="Timeline")).to_be_visible()


def test_the_draft_survives_a_lost_connection_and_a_reload(new_page):
    city = make_city()
    page = new_page(viewport=PHONE)
    page.goto(f"/{city.jurisdiction.slug}/report/")
    page.get_by_label("Pothole").check()
    page.get_by_label("Shallow").check()
    page.locator("summary").click()
    page.get_by_label("Latitude").fill(str(INSIDE_WEST[0]))
    page.get_by_label("Longitude").fill(str(INSIDE_WEST[1]))
    page.get_by_label("Describe the problem").fill("Written on a bad connection")

    page.context.set_offline(True)
    page.get_by_role("button", name="Send report").click()
    expect(page.locator("#draft-note")).to_contain_text("You seem to be offline")
    page.context.set_offline(False)
    page.reload()

    expect(page.locator("#draft-note")).to_contain_text("We restored the report")
    expect(page.get_by_label("Describe the problem")).to_have_value("Written on a bad connection")
    expect(page.get_by_label("Shallow")).to_be_checked()
    page.get_by_role("button", name="Send report").click()
    expect(page.locator("h1")).to_have_text("Pothole")
    assert ServiceRequest.objects.get().description == "Written on a bad connection"
    page.goto(f"/{city.jurisdiction.slug}/report/")
    expect(page.get_by_label("Describe the problem")).to_have_value("")


def test_area_and_tracking_pages_work_by_keyboard_and_pass_axe(new_page):
    city = make_city()
    request = submit_pothole(city)
    page = new_page(viewport=DESKTOP)
    page.goto(f"/{city.jurisdiction.slug}/areas/ward/{city.west.code}/")
    expect(page.get_by_role("heading", name="West Ward")).to_be_visible()
    no_serious_axe(page)
    page.goto("/track/")
    no_serious_axe(page)
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # the skip link
    page.get_by_label("Request number").fill(request.public_id.lower())
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(f"/requests/{request.public_id}/(#main)?$"))


def test_tapping_the_map_places_the_pin_and_search_narrows_the_types(new_page):
    city = make_city()
    page = new_page(viewport=PHONE)
    page.goto(f"/{city.jurisdiction.slug}/report/")

    page.locator("#report-map").click()
    expect(page.locator("#location-status")).to_contain_text("Location set: 34.")
    page.get_by_label("Search problem types").fill("bulky")

    expect(page.get_by_label("Bulky Items")).to_be_visible()
    expect(page.get_by_label("Pothole")).to_be_hidden()
