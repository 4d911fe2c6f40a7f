"""What was hidden is linked where people look: My reports and sign-in in the header,
feeds announced to feed readers and linked, alerts, downloads, the widget and the API on
the map, list, area and request pages."""

from html.parser import HTMLParser

import feedparser
import pytest
from django.urls import reverse

from tests.factories import UserFactory, submit_pothole

pytestmark = pytest.mark.django_db


class Links(HTMLParser):
    """The <link rel="alternate"> of the head and the <a href> of the page."""

    def __init__(self, html: str):
        super().__init__()
        self.alternates: list[dict] = []
        self.anchors: dict[str, str] = {}  # href → text
        self.forms: list[str] = []
        self._href = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link" and attrs.get("rel") == "alternate":
            self.alternates.append(attrs)
        elif tag == "a" and "href" in attrs:
            self._href = attrs["href"]
            self.anchors[self._href] = ""
        elif tag == "form":
            self.forms.append(attrs.get("action", ""))

    def handle_data(self, data):
        if self._href is not None:
            self.anchors[self._href] += data

    def handle_endtag(self, tag):
        if tag == "a":
            self._href = None


def page(client, path, **params) -> Links:
    response = client.get(path, params)
    assert response.status_code == 200
    return Links(response.content.decode())


def test_the_header_links_my_reports_and_sign_in_then_sign_out(client, city):
    anonymous = page(client, f"/{city.jurisdiction.slug}/")
    assert anonymous.anchors[reverse("notify:my-reports")].strip() == "My reports"
    assert anonymous.anchors[reverse("notify:signin")].strip() == "Sign in"

    client.force_login(UserFactory(email="ana@example.org"))
    signed_in = page(client, "/track/")
    assert reverse("notify:signin") not in signed_in.anchors
    assert reverse("notify:signout") in signed_in.forms
    assert client.post(reverse("notify:signout")).status_code == 302
    assert reverse("notify:signin") in page(client, "/track/").anchors


def _feeds(client, links: Links) -> list[feedparser.FeedParserDict]:
    """Each announced feed, fetched and parsed as a feed reader would."""
    found = []
    for link in links.alternates:
        assert link["type"] == "application/atom+xml"
        assert link["href"] in links.anchors, "an announced feed is linked on the page too"
        feed = feedparser.parse(client.get(link["href"]).content)
        assert not feed.bozo, feed.get("bozo_exception")
        assert feed.feed.title == link["title"]
        found.append(feed)
    return found


def test_the_map_announces_and_links_the_feeds_of_its_filters(client, city):
    request = submit_pothole(city, description="Deep hole by the school")
    slug = city.jurisdiction.slug

    whole = _feeds(client, page(client, f"/{slug}/"))
    narrowed = _feeds(client, page(client, f"/{slug}/", service="pothole", area=city.west.pk))

    assert [f.feed.title for f in whole] == ["New reports in Testville"]
    assert [f.feed.title for f in narrowed] == [
        "New Pothole reports, Testville",
        "New reports in West Ward, Testville",
        "New reports in Testville",
    ]
    for feed in narrowed:
        assert request.public_id in feed.entries[0].title


@pytest.mark.parametrize("view", ["map", "list"])
def test_map_and_list_link_downloads_of_the_filtered_view_alerts_widget_and_api(client, city, view):
    submit_pothole(city)
    slug = city.jurisdiction.slug
    links = page(client, reverse(f"web:{view}", args=[slug]), service="pothole", status="open")

    query = "service=pothole&status=open&lang=en"  # the files' texts in the page's language
    csv_url = f"{reverse('web:download', args=[slug, 'csv'])}?{query}"
    geojson_url = f"{reverse('web:download', args=[slug, 'geojson'])}?{query}"
    assert links.anchors[csv_url] == "CSV"
    assert links.anchors[geojson_url] == "GeoJSON"
    assert links.anchors[reverse("notify:watch", args=[slug])] == "E-mail alerts for an area"
    assert reverse("notify:widget", args=[slug]) in links.anchors
    assert reverse("open311:discovery", args=["xml"]) in links.anchors
    for url in (csv_url, geojson_url, reverse("notify:widget", args=[slug])):
        assert client.get(url).status_code == 200


def test_an_area_page_offers_its_feed_alerts_downloads_and_widget(client, city):
    submit_pothole(city)
    slug = city.jurisdiction.slug
    links = page(client, reverse("web:area", args=[slug, "ward", "1"]))

    feeds = _feeds(client, links)
    assert feeds[0].feed.title == "New reports in West Ward, Testville"
    assert links.anchors[reverse("notify:watch", args=[slug])] == "E-mail alerts for this area"
    download = f"{reverse('web:download', args=[slug, 'csv'])}?area={city.west.pk}&lang=en"
    assert download in links.anchors
    assert f"{reverse('notify:widget', args=[slug])}?area={city.west.pk}" in links.anchors


def test_a_request_page_offers_follow_and_the_feeds_of_its_kind_and_area(client, city):
    request = submit_pothole(city)
    links = page(client, request.get_absolute_url())

    assert reverse("web:follow", args=[request.public_id]) in links.forms
    assert [f.feed.title for f in _feeds(client, links)] == [
        "New Pothole reports, Testville",
        "New reports in West Ward, Testville",
        "New reports in Testville",
    ]
