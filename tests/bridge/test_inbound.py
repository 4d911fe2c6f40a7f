"""A CRM's changes come back: by polling (with a high-water mark, pages, skew) and by push
(POST servicerequestupdates), through the endpoint's status mapping, each once."""

from datetime import timedelta

import pytest
from django.utils import timezone

from fixboard.accounts.apikeys import issue_api_key
from fixboard.bridge.models import CrmPoll
from fixboard.bridge.tasks import poll_due_endpoints, poll_endpoint
from fixboard.catalog.actions import save_crm_endpoint
from fixboard.reports.models import CloseReason, Event, Status
from tests.factories import submit_pothole

from .conftest import drain

pytestmark = pytest.mark.django_db


def forwarded(city, crm, n=1):
    requests = [submit_pothole(city, description=f"Hole {i}") for i in range(n)]
    drain()
    for request in requests:
        request.refresh_from_db()
        assert request.external_id
    return requests


def test_a_polled_status_change_moves_the_request_once_and_residents_see_it(
    city, endpoint, crm, client
):
    save_crm_endpoint(
        actor="test",
        endpoint=endpoint,
        data={"statuses": {"ASSIGNED_TO_CREW": "in_progress", "RESOLVED": "closed:fixed"}},
    )
    [request] = forwarded(city, crm)
    crm.crm.change_status(request.external_id, "ASSIGNED_TO_CREW", "A crew is on its way")
    poll_endpoint.call(endpoint.pk)
    poll_endpoint.call(endpoint.pk)  # read again (the overlap): applied once
    request.refresh_from_db()
    assert request.status == Status.IN_PROGRESS
    moves = request.events.filter(kind=Event.Kind.STATUS_CHANGED)
    assert [(e.to_status, e.text, e.public) for e in moves] == [
        (Status.IN_PROGRESS, "A crew is on its way", True)
    ]
    crm.crm.change_status(request.external_id, "RESOLVED", "Filled")
    poll_endpoint.call(endpoint.pk)
    request.refresh_from_db()
    assert (request.status, request.close_reason) == (Status.CLOSED, CloseReason.FIXED)
    html = client.get(request.get_absolute_url()).content.decode()
    assert "Sent to the city's system, reference CRM-00001" in html
    assert "A crew is on its way" in html and "Fixed" in html
    state = CrmPoll.objects.get(endpoint=endpoint)
    assert state.applied == 2 and state.high_water is not None and not state.last_error


def test_an_unmapped_status_keeps_the_request_and_tells_staff(city, endpoint, crm):
    [request] = forwarded(city, crm)
    crm.crm.change_status(request.external_id, "WAITING_ON_UTILITY")
    poll_endpoint.call(endpoint.pk)
    request.refresh_from_db()
    assert request.status == Status.NEW
    note = request.events.get(kind=Event.Kind.INTERNAL_NOTE)
    assert "WAITING_ON_UTILITY" in note.text and not note.public


def test_an_internal_referral_is_not_shown_as_closed(city, endpoint, crm):
    [request] = forwarded(city, crm)
    crm.crm.change_status(request.external_id, "internal_referral", "Passed to Parks")
    poll_endpoint.call(endpoint.pk)
    request.refresh_from_db()
    assert request.status == Status.NEW
    assert request.events.get(kind=Event.Kind.PUBLIC_UPDATE).text == "Passed to Parks"


def test_notes_stay_internal_when_the_endpoint_says_so(city, endpoint, crm):
    save_crm_endpoint(actor="test", endpoint=endpoint, data={"notes_public": False})
    [request] = forwarded(city, crm)
    crm.crm.change_status(request.external_id, "in_progress", "Crew 7, overtime approved")
    poll_endpoint.call(endpoint.pk)
    move = request.events.get(kind=Event.Kind.STATUS_CHANGED)
    assert move.text == ""
    assert request.events.get(kind=Event.Kind.INTERNAL_NOTE).text == "Crew 7, overtime approved"


def test_polling_reads_every_page_and_tolerates_a_crm_clock_ahead(city, endpoint, crm):
    requests = forwarded(city, crm, n=3)
    for i in range(120):  # pages of 50
        crm.crm.change_status(requests[i % 3].external_id, "open", f"note {i}")
    # The CRM's clock runs ten minutes ahead of ours.
    for update in crm.crm.updates:
        update["updated_datetime"] = (timezone.now() + timedelta(minutes=10)).isoformat()
    poll_endpoint.call(endpoint.pk)
    notes = Event.objects.filter(kind=Event.Kind.PUBLIC_UPDATE, text__startswith="note ")
    assert notes.count() == 120
    assert all(e.created_at <= timezone.now() for e in notes)
    poll_endpoint.call(endpoint.pk)
    assert notes.count() == 120


def test_a_failed_poll_keeps_its_mark_and_says_why(city, endpoint, crm):
    forwarded(city, crm)
    crm.stop()
    poll_endpoint.call(endpoint.pk)
    state = CrmPoll.objects.get(endpoint=endpoint)
    assert state.high_water is None and "127.0.0.1" in state.last_error


def test_due_endpoints_are_queued_by_the_worker_reconcile(city, endpoint, crm):
    [request] = forwarded(city, crm)
    crm.crm.change_status(request.external_id, "in_progress")
    assert poll_due_endpoints() == 1  # the immediate backend runs it at once
    request.refresh_from_db()
    assert request.status == Status.IN_PROGRESS
    assert poll_due_endpoints() == 0  # next one in poll_minutes


def push(client, city, key, **fields):
    data = {
        "api_key": key,
        "update_id": "p1",
        "status": "RESOLVED",
        "updated_datetime": timezone.now().isoformat(),
        "description": "Filled by crew 7",
        **fields,
    }
    return client.post(
        f"/open311/v2/servicerequestupdates.json?jurisdiction_id={city.jurisdiction.slug}", data
    )


def test_a_push_by_the_crm_uses_its_mapping_and_its_own_ids_once(city, endpoint, crm, client):
    crm_client, key = issue_api_key(name="City CRM", jurisdiction_slugs=[city.jurisdiction.slug])
    save_crm_endpoint(
        actor="test",
        endpoint=endpoint,
        data={"push_client": crm_client, "statuses": {"RESOLVED": "closed:fixed"}},
    )
    [request] = forwarded(city, crm)
    for _ in range(3):  # duplicate pushes
        answer = push(client, city, key, service_request_id=request.external_id)
        assert answer.status_code == 200, answer.content
        assert answer.json() == [{"update_id": "p1"}]
    request.refresh_from_db()
    assert (request.status, request.close_reason) == (Status.CLOSED, CloseReason.FIXED)
    assert request.events.filter(kind=Event.Kind.STATUS_CHANGED).count() == 1
    # The same update read by a poll afterwards changes nothing.
    crm.crm.updates.append(
        {
            "update_id": "p1",
            "service_request_id": request.external_id,
            "status": "RESOLVED",
            "updated_datetime": timezone.now().isoformat(),
            "description": "Filled by crew 7",
        }
    )
    poll_endpoint.call(endpoint.pk)
    assert request.events.filter(external_id="p1").count() == 1


def test_a_push_with_a_status_nobody_maps_is_refused_field_by_field(city, endpoint, client):
    crm_client, key = issue_api_key(name="City CRM", jurisdiction_slugs=[city.jurisdiction.slug])
    save_crm_endpoint(actor="test", endpoint=endpoint, data={"push_client": crm_client})
    request = submit_pothole(city)
    answer = push(client, city, key, service_request_id=request.public_id, status="FOO")
    assert answer.status_code == 400
    assert "FOO" in answer.json()[0]["description"]
