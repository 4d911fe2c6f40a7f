"""No resident's (or staff member's) name, e-mail or phone in any public Open311 answer."""

import pytest

from fixboard.catalog.models import ServiceType
from fixboard.reports.actions import ContactDetails, assign, merge, support, upsert_contact
from tests.factories import UserFactory, submit_pothole

pytestmark = pytest.mark.django_db

SECRETS = (
    "Zebulon",
    "Quackenbush",
    "zebulon.q@example.net",
    "8675309",
    "device-zq-77",
    "acct-zq-42",
    "Ana Reyes",
    "ana.reyes@example.org",
    "Marguerite",
    "supporter@example.com",
    "jdoe-secret",
    "Clerk Kent",
    "clerk@city.example",
)


def test_every_public_answer_is_free_of_personal_details(client, city, api_key):
    ServiceType.objects.filter(pk=city.bulky.pk).update(type=ServiceType.Type.BATCH)
    posted = client.post(
        "/open311/v2/requests.json",
        {
            "api_key": api_key,
            "service_code": "pothole",
            "lat": 34.05,
            "long": -118.25,
            "attribute[depth]": "deep",
            "first_name": "Zebulon",
            "last_name": "Quackenbush",
            "email": "zebulon.q@example.net",
            "phone": "+1 555 867 5309",
            "device_id": "device-zq-77",
            "account_id": "acct-zq-42",
        },
    )
    assert posted.status_code == 200
    token = client.post(
        "/open311/v2/requests.json",
        {
            "api_key": api_key,
            "service_code": "bulky-items",
            "lat": 34.05,
            "long": -118.15,
            "attribute[items]": "2",
            "email": "zebulon.q@example.net",
        },
    ).json()[0]["token"]
    first = submit_pothole(city, email="ana.reyes@example.org")
    second = submit_pothole(city, email="zebulon.q@example.net")
    supporter = upsert_contact(ContactDetails(name="Marguerite", email="supporter@example.com"))
    support(request=first, actor=supporter)
    staff = UserFactory(
        username="jdoe-secret",
        first_name="Clerk",
        last_name="Kent",
        role="staff",
        jurisdictions=[city.jurisdiction],
        departments=[city.streets, city.parks],
    )
    assign(request=first, actor=staff, department=city.parks, assignee=staff)
    merge(duplicate=second, canonical=first, actor=staff)
    client.post(
        "/open311/v2/servicerequestupdates.json",
        {
            "api_key": api_key,
            "service_request_id": first.public_id,
            "update_id": "u-1",
            "status": "IN_PROGRESS",
            "updated_datetime": "2020-01-01T00:00:00Z",
            "description": "On it",
            "email": "clerk@city.example",
            "first_name": "Clerk",
            "last_name": "Kent",
        },
    )
    paths = [
        "discovery",
        "services",
        "services/pothole",
        "requests",
        f"requests/{first.public_id}",
        f"requests/{second.public_id}",
        f"tokens/{token}",
        "servicerequestupdates",
    ]
    checked = 0
    for path in paths:
        for fmt in ("xml", "json"):
            for params in ({}, {"extensions": "true"}):
                response = client.get(f"/open311/v2/{path}.{fmt}", params)
                assert response.status_code == 200, (path, response.content)
                body = response.content.decode()
                for secret in SECRETS:
                    assert secret not in body, (path, fmt, params, secret)
                checked += 1
    assert checked == len(paths) * 4
    # The details were kept, privately, where staff may see them.
    assert first.reporter.email == "ana.reyes@example.org"
