"""No public endpoint ever shows a resident's name, e-mail or phone unless they chose so."""

import json

import pytest
from django.test import Client

from fixboard.reports.actions import ContactDetails, add_update, follow, submit_request, support
from fixboard.reports.models import Contact
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SECRETS = ("Zebulon Quartermaine", "zq.private@example.org", "+1 213 555 0199", "2135550199")
PUBLIC_NAME = "Ana Public"


def report(city, *, name_public=False, anonymous=False, name="Zebulon Quartermaine"):
    return submit_request(
        service_type=city.pothole,
        lat=34.05,
        long=-118.25,
        attributes={"depth": "deep"},
        description="Hole by the school gate",
        reporter=ContactDetails(name=name, email="zq.private@example.org", phone="+1 213 555 0199"),
        reporter_name_public=name_public,
        anonymous=anonymous,
        actor=None,
    )


def public_urls(city, requests) -> list[str]:
    urls = [
        "/api/v1/requests",
        "/api/v1/requests?status=open&sort=-updated_at",
        f"/api/v1/requests?area={city.west.pk}",
        "/api/v1/requests/nearby?service_code=pothole&lat=34.05&long=-118.25",
        "/api/v1/services",
        f"/api/v1/services/{city.jurisdiction.slug}/pothole",
        "/api/v1/jurisdictions",
        "/api/v1/areas",
        f"/api/v1/areas/{city.west.pk}",
        "/api/v1/openapi.json",
    ]
    return urls + [f"/api/v1/requests/{r.public_id}" for r in requests]


def test_no_public_endpoint_shows_private_details(city):
    hidden_name = report(city)
    anonymous = report(city, name_public=True, anonymous=True)
    resident = Contact.objects.get(email="zq.private@example.org")
    support(request=hidden_name, actor=resident)
    follow(request=hidden_name, actor=resident)
    add_update(request=hidden_name, text="Any news?", actor=resident)
    clerk = UserFactory(
        role="staff",
        first_name="Zebulon",
        last_name="Quartermaine",
        jurisdictions=[city.jurisdiction],
    )
    add_update(request=anonymous, text="Crew booked", actor=clerk)

    for url in public_urls(city, [hidden_name, anonymous]):
        response = Client().get(url)
        assert response.status_code == 200, url
        text = response.content.decode()
        for secret in SECRETS:
            assert secret not in text, (url, secret)
            assert secret not in json.dumps(response.json()), (url, secret)


def test_a_name_the_reporter_chose_to_show_is_the_only_detail_shown(client, city):
    request = report(city, name_public=True, name=PUBLIC_NAME)
    body = client.get(f"/api/v1/requests/{request.public_id}").json()
    assert body["reporter_name"] == PUBLIC_NAME
    text = json.dumps(body)
    assert "zq.private@example.org" not in text
    assert "555" not in text
