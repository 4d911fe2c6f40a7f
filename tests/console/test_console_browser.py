"""Three calls on the demo city, in Chromium, with the keyboard alone.

The agent signs in and lands on the console. Each "group" is one thing the agent does
(a field typed, a choice made, a key for an action); a new phone request must take at
most 12 from "new call" to the read-back. The second caller is texted their request's id
(the file SMS backend's outbox is read).
"""

import pytest
from playwright.sync_api import expect

from fixboard.console.models import Call, Outcome
from fixboard.console.spelling import spell_id
from fixboard.demo.living import bring_to_life
from fixboard.places.models import AddressPoint
from fixboard.places.search import search_addresses
from fixboard.reports.actions import ContactDetails, upsert_contact
from fixboard.reports.models import Channel, Event, ServiceRequest, Status
from fixboard.reports.selectors import nearby_open_requests
from tests.browser import DESKTOP, axe_violations, screenshot
from tests.demo.test_living_demo import small_demo
from tests.web.conftest import new_page  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MAX_GROUPS_FOR_A_NEW_REQUEST = 12
# Each step is a round trip to the server; on a busy machine one can take longer than
# Playwright's default 5 s of waiting for what it changed.
WAIT_MS = 15_000


@pytest.fixture
def demo(tmp_path, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    city = small_demo(tmp_path, stride=15)
    bring_to_life(city)
    return city


class Agent:
    """The call-taker's keyboard, counting groups."""

    def __init__(self, page):
        self.page = page
        self.groups = 0

    def type(self, text: str, then: str = "Enter") -> None:
        self.groups += 1
        self.page.keyboard.type(text)
        if then:
            self.page.keyboard.press(then)

    def press(self, *keys: str) -> None:
        self.groups += 1
        for key in keys:
            self.page.keyboard.press(key)

    def focused(self, element_id: str) -> None:
        expect(self.page.locator(f"#{element_id}")).to_be_focused(timeout=WAIT_MS)


def sign_in(page) -> None:
    page.goto("/login/")
    page.get_by_label("Username").focus()
    page.keyboard.type("agent")
    page.keyboard.press("Tab")
    page.keyboard.type("fixboard-agent")
    page.keyboard.press("Enter")
    page.wait_for_url("**/console/")


def open_graffiti_with_address(jurisdiction) -> ServiceRequest:
    for request in (
        ServiceRequest.objects.public()
        .filter(jurisdiction=jurisdiction, service_type__code="graffiti-removal")
        .exclude(status=Status.CLOSED)
        .exclude(address="")
    ):
        found = search_addresses(jurisdiction, request.address, limit=1)
        if found and found[0].address == request.address:
            return request
    raise AssertionError("the demo has no open graffiti request at a known address")


def quiet_address(jurisdiction, service_type) -> str:
    """A known address with no open request of `service_type` nearby."""
    for point in AddressPoint.objects.filter(jurisdiction=jurisdiction).order_by("id")[:200]:
        found = search_addresses(jurisdiction, point.address, limit=1)
        first = found[0] if found else None
        if (
            first
            and first.address == point.address
            and not nearby_open_requests(service_type, first.lat, first.long, 200)
        ):
            return point.address
    raise AssertionError("no quiet address in the demo")


def test_three_calls_by_keyboard(new_page, demo, sms_outbox):  # noqa: F811
    graffiti = open_graffiti_with_address(demo)
    supporters = graffiti.support_count
    caller = upsert_contact(ContactDetails(name="Rosa Diaz", phone="(323) 555-0142"))

    page = new_page(viewport=DESKTOP)
    sign_in(page)
    agent = Agent(page)
    agent.focused("new-call")

    # 1. Rosa calls about graffiti that is already reported: she joins that request.
    agent.press("Alt+N")
    agent.focused("caller-q")
    agent.type("323-555-0142")
    expect(page.locator("#caller")).to_contain_text("Rosa Diaz")
    agent.focused("place-q")
    agent.type(graffiti.address)
    expect(page.locator("#place-chosen")).to_contain_text(graffiti.address)
    agent.focused("problem-q")
    agent.type("graffiti")
    nearby = page.locator(".nearby")
    expect(nearby).to_contain_text(graffiti.public_id)
    agent.focused("add-0")
    screenshot(page, "console-nearby")
    assert axe_violations(page) == []
    agent.press("Enter")
    agent.focused("readback")
    expect(page.locator("[data-public-id]")).to_have_text(graffiti.public_id)
    graffiti.refresh_from_db()
    assert graffiti.support_count == supporters + 1
    added = Event.objects.get(request=graffiti, kind=Event.Kind.CALLER_ADDED)
    assert added.actor_user.username == "agent" and added.public
    assert graffiti.follows.filter(contact=caller).exists()
    first = Call.objects.get(request=graffiti)
    assert first.outcome == Outcome.ADDED_TO_EXISTING and first.contact == caller

    # 2. A new caller reports a pothole: a new phone request, read back.
    pothole = demo.service_types.get(code="pothole-small-asphalt-repair")
    address = quiet_address(demo, pothole)
    agent.groups = 0
    agent.press("Alt+N")  # wraps up the first call
    agent.focused("caller-q")
    agent.type("(213) 555-0199")
    agent.focused("caller-name")
    agent.type("Sam Lee", then="")
    agent.press("Tab", "Tab", "Tab", "Space", "Tab", "Tab", "Enter")  # may we text you? yes
    agent.focused("place-q")
    agent.type(address)
    agent.focused("problem-q")
    agent.type("pothole")
    expect(page.locator(".call-script")).to_contain_text("how deep")
    agent.focused("attr-size")
    agent.press("ArrowDown")  # How big is it? The first choice
    agent.press("Alt+C")
    agent.focused("readback")
    assert agent.groups <= MAX_GROUPS_FOR_A_NEW_REQUEST, agent.groups
    request = ServiceRequest.objects.get(channel=Channel.PHONE, service_type=pothole)
    expect(page.locator("[data-public-id]")).to_have_text(request.public_id)
    expect(page.locator("#readback")).to_contain_text(spell_id(request.public_id))
    assert request.reporter.name == "Sam Lee" and request.reporter.phone == "+12135550199"
    assert request.reporter.may_text and not request.reporter.may_email
    assert request.attributes == {"size": "small"}
    submitted = Event.objects.get(request=request, kind=Event.Kind.SUBMITTED)
    assert submitted.actor_user.username == "agent"
    screenshot(page, "console-readback")
    # One key texts the caller the id.
    page.keyboard.press("Alt+S")
    expect(page.get_by_text("Text to (213) 555-0199 on its way")).to_be_visible()
    [text] = sms_outbox()
    assert text["to"] == "+12135550199"
    assert request.public_id in text["body"] and "/requests/" in text["body"]

    # 3. An informational call: Alt+I, then the topic's number.
    agent.press("Alt+N")
    agent.focused("caller-q")
    agent.press("Alt+I")
    agent.focused("topic-0")
    page.keyboard.press("2")  # the same group: the topic's number
    agent.focused("new-call")
    expect(
        page.get_by_text("Informational call about Street sweeping schedule logged.")
    ).to_be_visible()
    third = Call.objects.order_by("-started_at").first()
    assert third.outcome == Outcome.INFORMATIONAL and third.topic.name == "Street sweeping schedule"
    assert third.ended_at is not None
    assert Call.objects.filter(ended_at__isnull=True).count() == 0
    expect(page.locator("#my-day")).to_contain_text("My calls today: 3")
