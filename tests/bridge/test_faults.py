"""A CRM that times out, fails, answers garbage, answers slowly, refuses connections,
resolves tokens late and hears pushes twice loses nothing: once the faults stop, every
request is in the CRM exactly once and every update came back once."""

import random

import pytest
from django.utils import timezone

from fixboard.accounts.apikeys import issue_api_key
from fixboard.bridge.models import CrmSend
from fixboard.bridge.tasks import poll_endpoint
from fixboard.catalog.actions import save_crm_endpoint
from fixboard.core.models import Outbox
from fixboard.reports.models import Event, Status
from tests.factories import submit_pothole

from .conftest import drain
from .standin import FAULTS

pytestmark = pytest.mark.django_db
REQUESTS = 24


def test_nothing_is_lost_or_duplicated_through_every_fault(city, endpoint, crm, client):
    rng = random.Random(311)
    save_crm_endpoint(actor="test", endpoint=endpoint, data={"max_attempts": 50})
    crm.crm.batch, crm.crm.token_polls = True, 3
    crm.crm.faults = [rng.choice(FAULTS) for _ in range(40)]
    crm.crm.get_faults = [
        rng.choice(["500", "malformed", "timeout", "html", ""]) for _ in range(30)
    ]
    requests = [submit_pothole(city, description=f"Hole {i}") for i in range(REQUESTS)]
    # The connection refused too, for a while: the CRM is down.
    crm.stop()
    drain(rounds=2)
    crm.__init__(crm.crm)  # back up on a new port
    save_crm_endpoint(actor="test", endpoint=endpoint, data={"base_url": crm.url})
    drain(rounds=200)

    sends = CrmSend.objects.filter(endpoint=endpoint)
    assert sorted(sends.values_list("state", flat=True)) == [Outbox.State.SENT] * REQUESTS
    for request in requests:
        assert len(crm.crm.created_for(request.public_id)) == 1, request.public_id
    assert len(crm.crm.requests) == REQUESTS

    # The CRM's staff work them; its pushes arrive twice, its updates are read by polls too.
    crm_client, key = issue_api_key(name="CRM", jurisdiction_slugs=[city.jurisdiction.slug])
    save_crm_endpoint(actor="test", endpoint=endpoint, data={"push_client": crm_client})
    updates = []
    for send in sends:
        updates.append(crm.crm.change_status(send.external_id, "in_progress", "On it"))
        updates.append(crm.crm.change_status(send.external_id, "fixed", "Done"))
    for update in updates[: len(updates) // 2]:
        for _ in range(2):
            answer = client.post(
                "/open311/v2/servicerequestupdates.json",
                {
                    "api_key": key,
                    "jurisdiction_id": city.jurisdiction.slug,
                    "service_request_id": update["service_request_id"],
                    "update_id": update["update_id"],
                    "status": update["status"].upper(),
                    "updated_datetime": update["updated_datetime"],
                    "description": update["description"],
                },
            )
            assert answer.status_code == 200, answer.content
    crm.crm.get_faults = ["timeout", "500", "malformed", "html"]
    for _ in range(8):
        poll_endpoint.call(endpoint.pk)
    for update in updates:
        applied = Event.objects.filter(external_id=update["update_id"]).exclude(
            kind=Event.Kind.EXTERNAL_SYNC
        )
        assert applied.count() == 1, update
    for request in requests:
        request.refresh_from_db()
        assert request.status == Status.CLOSED
    assert endpoint.polling.high_water <= timezone.now()
