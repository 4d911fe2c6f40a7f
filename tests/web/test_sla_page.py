"""The public request page says when a request is expected and when it is overdue, and no
public output shows the internal record of a breach."""

import re
import zoneinfo
from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from fixboard.reports import sla
from fixboard.reports.actions import transition
from fixboard.reports.models import ServiceRequest, Status
from tests.browser import DESKTOP, axe_violations, screenshot
from tests.factories import make_city, submit_pothole

LA = zoneinfo.ZoneInfo("America/Los_Angeles")


def text_of(page) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.content.decode()))


def test_an_overdue_open_request_is_flagged_in_words(client, city):
    request = submit_pothole(city, requested_at=datetime(2026, 3, 2, 9, tzinfo=LA))
    ServiceRequest.objects.filter(pk=request.pk).update(
        expected_at=datetime(2026, 3, 5, 17, tzinfo=LA)
    )
    page = client.get(request.get_absolute_url())
    text = text_of(page)
    assert "Expected by March 5, 2026, 5 p.m." in text
    assert "Overdue since March 5, 2026" in text
    assert 'class="badge sla-overdue">overdue</span>' in page.content.decode()


def test_a_request_on_time_shows_its_date_and_no_flag(client, city):
    request = submit_pothole(city)
    ServiceRequest.objects.filter(pk=request.pk).update(
        expected_at=timezone.now() + timedelta(days=3)
    )
    text = text_of(client.get(request.get_absolute_url()))
    assert "Expected by" in text
    assert "Overdue" not in text and "overdue" not in text


def test_a_closed_request_is_never_overdue(client, city):
    request = submit_pothole(city, requested_at=datetime(2026, 3, 2, 9, tzinfo=LA))
    ServiceRequest.objects.filter(pk=request.pk).update(
        expected_at=datetime(2026, 3, 5, 17, tzinfo=LA)
    )
    transition(request=request, to_status=Status.CLOSED, close_reason="fixed", actor="test")
    text = text_of(client.get(request.get_absolute_url()))
    assert "Expected by" not in text and "Overdue" not in text


def test_the_breach_is_on_no_public_output(client, city):
    request = submit_pothole(city, requested_at=datetime(2026, 3, 2, 9, tzinfo=LA))
    ServiceRequest.objects.filter(pk=request.pk).update(
        expected_at=datetime(2026, 3, 5, 17, tzinfo=LA)
    )
    assert sla.record_breaches(now=datetime(2026, 3, 6, tzinfo=LA)) == 1
    outputs = [
        request.get_absolute_url(),
        f"/open311/v2/requests/{request.public_id}.json?extensions=true",
        f"/open311/v2/requests/{request.public_id}.xml?extensions=true",
        "/open311/v2/requests.json?extensions=true",
        "/open311/v2/servicerequestupdates.json?start_date=2026-01-01T00:00:00Z",
        "/open311/v2/servicerequestupdates.xml?start_date=2026-01-01T00:00:00Z",
        f"/feeds/{city.jurisdiction.slug}/",
        f"/api/v1/requests/{request.public_id}",
    ]
    for url in outputs:
        page = client.get(url)
        assert page.status_code == 200, (url, page.status_code)
        body = page.content.decode().lower()
        assert "sla_breached" not in body and "past its sla" not in body, url


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_overdue_flag_in_a_browser(new_page):
    city = make_city()
    request = submit_pothole(city, requested_at=datetime(2026, 3, 2, 9, tzinfo=LA))
    ServiceRequest.objects.filter(pk=request.pk).update(
        expected_at=datetime(2026, 3, 5, 17, tzinfo=LA)
    )
    page = new_page(viewport=DESKTOP)
    page.goto(request.get_absolute_url())
    expect(page.locator("#sla-overdue")).to_have_text("Overdue since March 5, 2026")
    expect(page.locator(".request-head .sla-overdue")).to_have_text("overdue")
    screenshot(page, "request-overdue")
    assert axe_violations(page) == []
