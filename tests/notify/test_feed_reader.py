"""The Atom feeds as a reader sees them: parsed by feedparser, the summary shown in Chromium."""

import feedparser
import pytest

from tests.browser import block_outside
from tests.factories import make_city
from tests.web.test_report import post

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

ATTACKS = [
    "<img src=x onerror=\"document.title='pwned'\">",
    "<script>document.title='pwned'</script>",
    '&lt;img src=x onerror=alert(1)&gt; & "quotes"',
]


@pytest.fixture
def reader(browser):
    """A page of a feed reader that shows a summary as HTML, scripts on, network off."""
    context = browser.new_context()
    block_outside(context)
    page = context.new_page()
    page.dialogs = []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    yield page
    context.close()


def test_residents_markup_in_a_feed_shows_as_text_and_never_runs(client, reader):
    city = make_city()
    description = "Two lines:\n" + " ".join(ATTACKS)
    post(client, city, description=description, address="<b>1 Main St</b>")

    feed = feedparser.parse(client.get(f"/feeds/{city.jurisdiction.slug}/").content)
    # A reader that trusts type="html" as it is; feedparser's own cleaning must not hide a bug.
    raw = feedparser.parse(
        client.get(f"/feeds/{city.jurisdiction.slug}/").content, sanitize_html=False
    )

    assert not feed.bozo and not raw.bozo
    for parsed in (feed, raw):
        entry = parsed.entries[0]
        assert entry.title_detail.type == "text/plain"
        assert "<b>1 Main St</b>" in entry.title
        assert entry.summary_detail.type == "text/html"
    reader.set_content(f"<title>reader</title><main>{raw.entries[0].summary}</main>")
    reader.wait_for_timeout(200)  # an onerror of a broken image fires after loading
    assert reader.title() == "reader"
    assert reader.dialogs == []
    assert reader.locator("main img, main script").count() == 0
    shown = reader.inner_text("main")
    assert shown.startswith("Two lines:\n")
    for attack in ATTACKS:
        assert attack in shown
