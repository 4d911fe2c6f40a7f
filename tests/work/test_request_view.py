"""The work view of one request (/queue/requests/<id>/): what staff see and do there."""

import pytest
from django.urls import reverse

from fixboard.reports.actions import add_update
from tests.factories import UserFactory, submit_pothole

pytestmark = pytest.mark.django_db


def url(sr, action=""):
    name = f"work:request_{action}" if action else "work:request"
    return reverse(name, args=[sr.public_id])


@pytest.fixture
def staff(city):
    return UserFactory(
        role="staff",
        first_name="Sam",
        last_name="Streets",
        jurisdictions=[city.jurisdiction],
        departments=[city.streets],
    )


@pytest.fixture
def sr(city):
    return submit_pothole(city, email="ana@example.org")


def test_smoke(client, staff, sr):
    add_update(request=sr, text="NOTE-MARKER", actor=staff, public=False)
    client.force_login(staff)
    r = client.get(url(sr))
    assert r.status_code == 200, r.content.decode()[:3000]
    html = r.content.decode()
    assert "NOTE-MARKER" in html
    assert "ana@example.org" in html
