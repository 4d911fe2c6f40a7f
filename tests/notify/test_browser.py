"""Real Chromium: the widget on a plain page of another site, follow → confirm by e-mail →
status e-mail → unsubscribe, magic-link sign-in and "my reports"."""

import functools
import http.server
import os
import threading

import pytest

from fixboard.reports.actions import transition
from tests.browser import (
    DESKTOP,
    PHONE,
    axe_violations,
    block_outside,
    screenshot,
)
from tests.factories import INSIDE_EAST, INSIDE_WEST, UserFactory, make_city, submit_pothole

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(browser, live_server, settings):
    settings.SITE_URL = live_server.url
    context = browser.new_context(viewport=DESKTOP, base_url=live_server.url, locale="en-US")
    context.set_default_timeout(15_000)
    blocked = block_outside(context)
    page = context.new_page()
    page.blocked = blocked
    yield page
    context.close()


@pytest.fixture
def blog(tmp_path):
    """A neighbourhood blog on its own local web server (another origin than Fixboard)."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield tmp_path, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def no_serious_axe(page):
    assert axe_violations(page) == []


def test_widget_script_on_a_plain_blog_page(page, blog, live_server):
    from playwright.sync_api import expect

    city = make_city()
    west = [submit_pothole(city, at=INSIDE_WEST, address=f"{n} Sunset Blvd") for n in (10, 20)]
    submit_pothole(city, at=INSIDE_EAST, address="9 Eastern Ave")
    folder, origin = blog
    (folder / "index.html").write_text(
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>West Ward News</title>"
        "</head><body><h1>West Ward News</h1><p>What's broken near us:</p>"
        f'<script src="{live_server.url}/widget/embed.js" '
        f'data-jurisdiction="{city.jurisdiction.slug}" data-area="{city.west.pk}" async>'
        "</script>"
        f'<h2>As an iframe</h2><iframe id="plain" title="Reports" '
        f'src="{live_server.url}/widget/{city.jurisdiction.slug}/frame/?area={city.west.pk}" '
        'style="width:420px;height:400px"></iframe></body></html>',
        encoding="utf-8",
    )

    page.goto(f"{origin}/index.html")

    for selector in ("iframe[src*='/frame/']:not(#plain)", "#plain"):
        widget = page.frame_locator(selector)
        for request in west:
            expect(widget.get_by_text(request.address)).to_be_visible()
        expect(widget.get_by_text("Eastern Ave")).to_have_count(0)
        expect(widget.get_by_role("link", name="Report a problem")).to_have_attribute(
            "href", f"{live_server.url}/{city.jurisdiction.slug}/report/"
        )
    screenshot(page, "widget-on-blog")
    assert page.blocked == []


def test_follow_status_e_mail_and_unsubscribe(page, mailbox):
    from playwright.sync_api import expect

    city = make_city()
    request = submit_pothole(city)
    page.goto(request.get_absolute_url())
    follow_box = page.get_by_role("region", name="Follow by e-mail")
    follow_box.get_by_role("textbox").fill("neighbour@example.org")
    follow_box.get_by_role("button", name="Follow", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text(
        "We sent a link to neighbour@example.org: open it to start following this request."
    )
    request.refresh_from_db()
    assert request.follow_count == 0, "nothing is followed before the owner confirms"

    [link] = mailbox.to("neighbour@example.org")
    page.goto(link.link_to("/notify/follow/confirm/"))
    no_serious_axe(page)
    page.get_by_role("button", name="Start following").click()
    expect(page.get_by_role("status")).to_contain_text("You follow this request now")
    request.refresh_from_db()
    assert request.follow_count == 1
    mailbox.clear()

    transition(
        request=request,
        to_status="acknowledged",
        actor=UserFactory(
            role="staff", jurisdictions=[request.jurisdiction], departments=[request.department]
        ),
    )

    [mail] = mailbox.to("neighbour@example.org")
    assert mail.subject == f"{request.public_id} Pothole: acknowledged"
    page.goto(mail.link_to("/requests/"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.goto(mail.link_to("/notify/unsubscribe/"))
    no_serious_axe(page)
    page.get_by_role("button", name="Stop the e-mails").click()
    expect(page.get_by_role("heading", name="You are unsubscribed")).to_be_visible()

    transition(request=request, to_status="closed", close_reason="fixed", actor="crew")
    assert len(mailbox.to("neighbour@example.org")) == 1


def test_magic_link_sign_in_shows_my_stats(page, mailbox):
    from playwright.sync_api import expect

    city = make_city()
    mine = [submit_pothole(city, email="walker@example.org") for _ in range(3)]
    for request in mine[:2]:
        transition(request=request, to_status="closed", close_reason="fixed", actor="crew")

    page.set_viewport_size(PHONE)
    page.goto("/signin/")
    no_serious_axe(page)
    page.get_by_label("Your e-mail address").fill("walker@example.org")
    page.get_by_role("button", name="E-mail me a sign-in link").click()
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()

    [mail] = [m for m in mailbox.to("walker@example.org") if m.subject == "Your sign-in link"]
    page.goto(mail.link_to("/signin/"))
    page.get_by_role("button", name="Sign in").click()

    expect(page.locator("#my-stats")).to_have_text("2 of 3 fixed")
    for request in mine:
        expect(page.get_by_role("link", name=f"Pothole · {request.public_id}")).to_be_visible()
    screenshot(page, "my-reports-phone")
    no_serious_axe(page)


def test_watch_the_rectangle_shown_on_the_map(page, mailbox):
    from playwright.sync_api import expect

    city = make_city()
    page.goto(f"/notify/watch/{city.jurisdiction.slug}/")
    no_serious_axe(page)
    page.get_by_label("Your e-mail address").fill("block.captain@example.org")
    page.get_by_role("button", name="Watch the part shown on the map").click()
    expect(page.locator("#watch-bbox-status")).to_contain_text("The rectangle is set")
    screenshot(page, "watch-area-desktop")
    page.get_by_role("button", name="Send me the daily digest").click()
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()

    [mail] = mailbox.to("block.captain@example.org")
    page.goto(mail.link_to("/notify/watch/confirm/"))
    screenshot(page, "watch-confirm")
    page.get_by_role("button", name="Start my daily digest").click()
    expect(page.get_by_role("heading", name="Daily digest confirmed")).to_be_visible()
    watch = city.jurisdiction.watch_areas.get()
    assert watch.area is None
    assert watch.min_lat < 34.05 < watch.max_lat  # the middle of the city is in view
    assert watch.min_long < -118.2 < watch.max_long
    assert watch.confirmed_at is not None


def test_widget_builder_page(page):
    from playwright.sync_api import expect

    city = make_city()
    submit_pothole(city, address="1 Sunset Blvd")
    page.goto(f"/widget/{city.jurisdiction.slug}/")
    page.get_by_label("Area").select_option(label="West Ward (ward)")
    page.get_by_role("button", name="Update the snippet").click()
    expect(page.locator("#snippet-script")).to_have_value(
        f'<script src="{page.url.split("/widget/")[0]}/widget/embed.js" '
        f'data-jurisdiction="{city.jurisdiction.slug}" data-area="{city.west.pk}" async></script>'
    )
    expect(page.frame_locator("iframe").get_by_text("1 Sunset Blvd")).to_be_visible()
    screenshot(page, "widget-builder-desktop")
    no_serious_axe(page)
