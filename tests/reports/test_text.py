"""Residents' text is cleaned once, in the domain: every door stores the same clean text."""

import json

import feedparser
import pytest

from fixboard.accounts.apikeys import issue_api_key
from fixboard.reports.models import Event, ServiceRequest
from fixboard.reports.text import clean_text
from tests.open311.test_post import post as post_open311
from tests.web.test_report import post as post_web_form

pytestmark = pytest.mark.django_db

NOISY = "Deep\x0b hole\x1b by the gate,\tlane 2\x7f\nsince Monday\x0c"
CLEAN = "Deep hole by the gate,\tlane 2\nsince Monday"


def test_clean_text_keeps_tabs_and_newlines_and_drops_the_rest():
    assert clean_text(NOISY) == CLEAN
    assert clean_text(" \x00Hi\ud800\uffff\r\n") == "Hi"
    assert clean_text("Ñandú 🚧 <b>&amp;</b>") == "Ñandú 🚧 <b>&amp;</b>"


def test_every_door_stores_clean_text_and_the_feed_still_answers(client, city):
    _, key = issue_api_key(name="Testville app", jurisdiction_slugs=[city.jurisdiction.slug])
    web = post_web_form(client, city, description=f"web: {NOISY}", address="1 Main\x0b St")
    assert web.status_code == 302
    assert post_open311(client, key, description=f"open311: {NOISY}").status_code == 200
    rest = client.post(
        "/api/v1/requests",
        json.dumps(
            {
                "service_code": "pothole",
                "lat": 34.05,
                "long": -118.25,
                "attributes": {"depth": "deep"},
                "description": f"rest: {NOISY}",
            }
        ),
        content_type="application/json",
        headers={"X-Api-Key": key},
    )
    assert rest.status_code == 201, rest.content
    first = ServiceRequest.objects.order_by("id").first()
    comment = client.post(
        f"/requests/{first.public_id}/comment/",
        {"comment-text": f"comment: {NOISY}", "comment-email": "c@example.org"},
    )
    assert comment.status_code == 302

    stored = sorted(ServiceRequest.objects.values_list("description", flat=True))
    assert stored == [f"open311: {CLEAN}", f"rest: {CLEAN}", f"web: {CLEAN}"]
    assert ServiceRequest.objects.filter(address="1 Main St").exists()
    assert Event.objects.get(kind=Event.Kind.PUBLIC_UPDATE).text == f"comment: {CLEAN}"
    response = client.get(f"/feeds/{city.jurisdiction.slug}/")
    assert response.status_code == 200
    feed = feedparser.parse(response.content)
    assert not feed.bozo and len(feed.entries) == 3
    assert all("since Monday" in entry.summary for entry in feed.entries)
