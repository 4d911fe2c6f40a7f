"""The client against real cities' answers (../shared/open311/fixtures), served over HTTP
as those servers sent them: XML or JSON, integer codes, nulls, is_array roots, tokens,
times without zones, HTML error pages."""

import pytest
from django.core.management import call_command

from fixboard.bridge.client import Client, CrmError
from fixboard.bridge.models import CrmSend
from fixboard.bridge.tasks import send_request
from fixboard.catalog.models import AttributeDefinition, ServiceType
from fixboard.core.models import Outbox
from tests.factories import submit_pothole

from .conftest import connect, drain, fixture

pytestmark = pytest.mark.django_db


def test_token_only_post_answers_are_followed_to_the_id_merton(city, canned):
    server = canned(
        {
            "requests.xml": fixture("merton_requestpost.xml"),
            "tokens/TOKEN.xml": fixture("merton_token.xml"),
        }
    )
    connect(city, server.url, format="xml")
    request = submit_pothole(city)
    drain()
    send = CrmSend.objects.get(request=request)
    assert (send.state, send.token, send.external_id) == (Outbox.State.SENT, "TOKEN", "ServiceID")
    assert [a.split("?")[0] for a in server.asked] == [
        "POST /open311/v2/requests.xml",
        "GET /open311/v2/tokens/TOKEN.xml",
    ]


def test_a_token_not_yet_processed_is_a_wait_not_a_failure(city, canned):
    server = canned({"requests.xml": fixture("merton_requestpost.xml")})  # tokens: 404
    connect(city, server.url, format="xml")
    request = submit_pothole(city)
    send = CrmSend.objects.get(request=request)
    assert send_request.call(send.pk) == "waiting"
    send.refresh_from_db()
    assert send.state == Outbox.State.PENDING and send.attempts == 0
    assert "TOKEN" in send.last_error


@pytest.mark.parametrize(
    ("name", "first_id", "count"),
    [
        ("chicago_requests.json", "14-01100669", 2),
        ("toronto_requests.xml", "101005420892", None),
        ("bloomington_in_requests_2012.json", None, 21),
        ("sf_request_extended_attributes.json", None, 1),
    ],
)
def test_requests_answers_of_real_cities_are_read(city, canned, name, first_id, count):
    fmt = name.rsplit(".", 1)[1]
    server = canned({f"requests.{fmt}": fixture(name)})
    endpoint = connect(city, server.url, format=fmt)
    records = Client(endpoint).requests()
    assert records and all(r.get("service_request_id") for r in records)
    if first_id:
        assert records[0]["service_request_id"] == first_id
    if count:
        assert len(records) == count


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("seeclickfix_newhaven_services.json", "43965"),  # integer codes, nulls
        ("giessen_services.xml", "015"),  # is_array root, German
        ("helsinki_services_en.xml", None),
        ("bloomington_services.json", None),
    ],
)
def test_services_of_real_cities_are_synchronised(city, canned, name, code):
    fmt = name.rsplit(".", 1)[1]
    server = canned({f"services.{fmt}": fixture(name)})
    endpoint = connect(city, server.url, format=fmt)
    call_command("sync_crm_services", str(endpoint.pk))
    synced = ServiceType.objects.filter(jurisdiction=city.jurisdiction).exclude(
        code__in=["pothole", "bulky-items"]
    )
    assert synced.count() >= 5
    if code:
        assert synced.filter(code=code).exists()


def test_a_service_definition_becomes_its_questions(city, canned):
    server = canned(
        {
            "services.json": (
                200,
                "application/json",
                b'[{"service_code":69,"service_name":"Street Light","metadata":true}]',
            ),
            "services/69.json": fixture("bloomington_service_definition_69.json"),
        }
    )
    call_command("sync_crm_services", str(connect(city, server.url).pk))
    question = AttributeDefinition.objects.get(service_type__code="69")
    assert question.code == "issue" and len(question.values) == 3


@pytest.mark.parametrize(
    ("status", "body", "uncertain", "permanent"),
    [
        (502, b"<!DOCTYPE html><html><body>Bad Gateway</body></html>", True, False),
        (200, b"<html><body>Maintenance</body></html>", True, False),
        (400, b'[{"code":400,"description":"lat: required"}]', False, True),
        (
            403,
            b"<errors><error><code>403</code><description>bad key</description></error></errors>",
            False,
            True,
        ),
        (200, b"<service_requests><request><token>", True, False),
    ],
)
def test_failures_say_whether_the_crm_may_have_acted(
    city, canned, status, body, uncertain, permanent
):
    server = canned({"requests.json": (status, "text/html", body)})
    endpoint = connect(city, server.url)
    with pytest.raises(CrmError) as caught:
        Client(endpoint).post_request([("service_code", "x")])
    assert (caught.value.uncertain, caught.value.permanent) == (uncertain, permanent)
    if status in (400, 403):
        assert ("lat: required" if status == 400 else "bad key") in str(caught.value)
