"""Sending requests to a city's CRM through the outbox: once, whatever the CRM does."""

import pytest

from fixboard.bridge.actions import retry_send
from fixboard.bridge.models import CrmSend
from fixboard.catalog.actions import save_crm_endpoint
from fixboard.core.models import Outbox
from fixboard.reports.actions import submit_request
from fixboard.reports.models import Event, Status
from tests.factories import submit_pothole

from .conftest import connect, drain
from .standin import free_port

pytestmark = pytest.mark.django_db


def sent(request) -> CrmSend:
    return CrmSend.objects.get(request=request)


def test_a_routed_report_lands_in_the_crm_with_its_mapped_codes_and_fixboard_id(city, crm):
    connect(
        city,
        crm.url,
        service_codes={"pothole": "POT-01"},
        attribute_codes={"depth": "hole_depth"},
    )
    request = submit_pothole(city, description="Deep hole by the school")
    drain()
    [record] = crm.crm.requests.values()
    assert record["service_code"] == "POT-01"
    assert record["attributes"] == {"hole_depth": "deep", "fixboard_id": request.public_id}
    assert record["description"] == "Deep hole by the school"
    request.refresh_from_db()
    assert request.external_id == record["service_request_id"]
    assert request.status == Status.NEW  # a hand-off is not an answer to the resident
    event = request.events.get(kind=Event.Kind.EXTERNAL_SYNC)
    assert event.public and event.data["reference"] == record["service_request_id"]
    assert sent(request).state == Outbox.State.SENT


def test_a_request_no_rule_forwards_is_not_sent(city, endpoint, crm):
    request = submit_request(
        service_type=city.bulky, lat=34.05, long=-118.25, attributes={"items": 2}, actor=None
    )
    assert not CrmSend.objects.filter(request=request).exists()
    drain()
    assert crm.crm.posts == 0


@pytest.mark.parametrize("fault", ["500_after", "timeout_after", "malformed", "drop"])
def test_an_answer_lost_after_the_crm_wrote_the_request_is_not_sent_twice(
    city, endpoint, crm, fault
):
    crm.crm.faults = [fault]
    request = submit_pothole(city)
    drain()
    assert len(crm.crm.created_for(request.public_id)) == 1
    assert crm.crm.posts == 1  # the retry looked it up instead of posting again
    send = sent(request)
    assert send.state == Outbox.State.SENT and send.attempts == 2
    request.refresh_from_db()
    assert request.external_id == crm.crm.created_for(request.public_id)[0]["service_request_id"]
    attempts = request.events.filter(kind=Event.Kind.EXTERNAL_SYNC, public=False)
    assert attempts.count() == 1 and "Attempt 1" in attempts.get().text


@pytest.mark.parametrize("fault", ["refuse_body", "timeout"])
def test_a_call_the_crm_did_not_act_on_is_posted_again(city, endpoint, crm, fault):
    crm.crm.faults = [fault, fault]
    request = submit_pothole(city)
    drain()
    assert len(crm.crm.created_for(request.public_id)) == 1
    assert crm.crm.posts == 3
    assert sent(request).attempts == 3


def test_a_refused_connection_is_retried_and_then_given_up_with_its_last_error(city):
    endpoint = connect(city, f"http://127.0.0.1:{free_port()}/open311", max_attempts=3)
    request = submit_pothole(city)
    drain()
    send = sent(request)
    assert send.state == Outbox.State.FAILED and send.attempts == 3
    assert "127.0.0.1" in send.last_error
    staff_only = request.events.filter(kind=Event.Kind.EXTERNAL_SYNC)
    assert [e.public for e in staff_only] == [False, False, False]
    assert staff_only.last().data["outcome"] == "given_up"
    assert endpoint.sends.get() == send


def test_a_request_the_crm_refuses_is_given_up_at_once_and_retried_by_hand(
    city, endpoint, crm, admin_user
):
    crm.crm.unknown_codes = {"pothole"}
    request = submit_pothole(city)
    drain()
    send = sent(request)
    assert send.state == Outbox.State.FAILED and send.attempts == 1
    assert "HTTP 400" in send.last_error and "unknown service_code" in send.last_error
    # The city fixes the mapping, then retries from the admin.
    save_crm_endpoint(
        actor=admin_user, endpoint=endpoint, data={"service_codes": {"pothole": "POT"}}
    )
    assert retry_send(send=send, actor=admin_user)
    drain()
    send.refresh_from_db()
    assert send.state == Outbox.State.SENT
    assert [r["service_code"] for r in crm.crm.created_for(request.public_id)] == ["POT"]
    assert not retry_send(send=send, actor=admin_user)  # sent: nothing to retry


def test_a_token_is_polled_until_the_crm_gives_an_id_and_posted_once(city, endpoint, crm):
    crm.crm.batch, crm.crm.token_polls = True, 3
    request = submit_pothole(city)
    drain()
    send = sent(request)
    assert send.state == Outbox.State.SENT and send.token == "T1"
    assert crm.crm.posts == 1 and send.attempts == 1  # waiting is not failing
    request.refresh_from_db()
    assert request.external_id == "CRM-00001"


def test_the_crm_answering_in_xml_without_time_zones_is_understood(city, crm):
    crm.crm.naive_times = True
    connect(city, crm.url, format="xml")
    crm.crm.faults = ["timeout_after"]  # the look-up then reads an XML requests answer
    request = submit_pothole(city)
    drain()
    assert len(crm.crm.created_for(request.public_id)) == 1
    assert sent(request).state == Outbox.State.SENT


def test_residents_read_the_hand_off_in_their_language(city, endpoint, crm, client):
    request = submit_pothole(city)
    drain()
    url = request.get_absolute_url()
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Enviado al sistema de la ciudad, referencia CRM-00001" in page
    # Staff's attempts never reach the public page.
    assert "Attempt" not in client.get(url).content.decode()
