"""Two Fixboards on loopback: one plays the city's CRM (`fixboard run`, its own SQLite
file), this one forwards to it. A resident's report appears in the CRM; a status change its
staff make comes back by polling, and another by push; the resident sees both and is told."""

import json
import os
import subprocess
import sys
import time
import urllib.request

import pytest
import requests as http
from django.core import mail

from fixboard.bridge.models import CrmSend
from fixboard.bridge.tasks import poll_endpoint, send_request
from fixboard.reports.models import CloseReason, Event, Status
from tests import processes
from tests.factories import submit_pothole

from .conftest import connect
from .standin import free_port

pytestmark = pytest.mark.django_db
RESIDENT = "ana.reporter@example.org"


def seed_crm() -> None:
    """The city's CRM (run in its installation): its city, a service taking our id, a key."""
    from fixboard.accounts.apikeys import issue_api_key
    from tests.factories import AttributeFactory, make_city

    city = make_city(slug="crm-city")
    AttributeFactory(service_type=city.pothole, code="fixboard_id", description="Fixboard id")
    _, key = issue_api_key(name="Fixboard", jurisdiction_slugs=["crm-city"])
    print(json.dumps({"key": key}))


def staff_move(public_id: str, status: str, reason: str, note: str) -> None:
    """The CRM's staff change the request (run in its installation)."""
    from fixboard.reports.actions import transition
    from fixboard.reports.models import ServiceRequest

    request = ServiceRequest.objects.get(public_id=public_id)
    transition(request=request, to_status=status, close_reason=reason, actor="crm staff", note=note)


def in_crm(env, code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture
def city_crm(tmp_path):
    """The city's CRM: another Fixboard installation serving Open311 on a free port."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DEBUG")}
    env.update(
        DJANGO_SETTINGS_MODULE="fixboard.settings",
        FIXBOARD_VAR_DIR=str(tmp_path / "crm"),
        PYTHONUNBUFFERED="1",
        LOG_LEVEL="WARNING",
    )
    subprocess.run(
        [sys.executable, "-m", "fixboard", "migrate", "--no-input", "-v0"], env=env, check=True
    )
    key = json.loads(in_crm(env, "from tests.bridge.test_two_servers import seed_crm; seed_crm()"))
    port = free_port()
    log = open(tmp_path / "crm.log", "w+")  # noqa: SIM115 - closed below
    server = processes.start(
        [sys.executable, "-m", "fixboard", "run", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}/open311/v2"
    deadline = time.monotonic() + 90
    while True:
        assert server.poll() is None and time.monotonic() < deadline, log_of(log)
        try:
            with urllib.request.urlopen(f"{base}/services.json", timeout=5):
                break
        except OSError:
            time.sleep(0.3)
    try:
        yield env, base, key["key"]
    finally:
        processes.stop_all(server)
        log.close()


def test_a_report_goes_to_the_city_crm_and_its_changes_come_back(
    city, city_crm, client, django_capture_on_commit_callbacks, settings
):
    env, base, key = city_crm
    settings.CRM_TIMEOUT_SECONDS = 30  # a real server on a loaded machine
    endpoint = connect(
        city,
        base,
        api_key=key,
        remote_jurisdiction_id="crm-city",
        statuses={"investigating": "acknowledged"},
    )
    with django_capture_on_commit_callbacks(execute=True):
        request = submit_pothole(city, email=RESIDENT, description="Deep hole by the school")
    # The send ran after the commit, in this process's (immediate) task backend.
    send = CrmSend.objects.get(request=request)
    for _ in range(3):  # had it timed out, a retry looks it up before posting again
        send.refresh_from_db()
        if send.state == "sent":
            break
        send_request.call(send.pk)
    assert send.state == "sent", send.last_error
    # The report is in the CRM, with our id among its answers, once.
    found = http.get(
        f"{base}/requests.json",
        params={"service_request_id": send.external_id, "extensions": "true"},
        timeout=10,
    ).json()
    assert [r["description"] for r in found] == ["Deep hole by the school"]
    answers = {a["name"]: a["code"] for a in found[0]["attributes"]}
    assert answers["fixboard_id"] == request.public_id

    # By polling: the CRM's staff start work.
    mail.outbox.clear()
    in_crm(
        env,
        "from tests.bridge.test_two_servers import staff_move; "
        f"staff_move({send.external_id!r}, 'in_progress', '', 'Crew 7 scheduled')",
    )
    with django_capture_on_commit_callbacks(execute=True):
        poll_endpoint.call(endpoint.pk)
    request.refresh_from_db()
    assert request.status == Status.IN_PROGRESS
    assert [m.to for m in mail.outbox] == [[RESIDENT]]

    # By push: the CRM closes it and posts the update to us, twice (a retried hook).
    in_crm(
        env,
        "from tests.bridge.test_two_servers import staff_move; "
        f"staff_move({send.external_id!r}, 'closed', 'fixed', 'Filled and sealed')",
    )
    updates = http.get(
        f"{base}/servicerequestupdates.json",
        params={"api_key": key, "start_date": request.requested_at.isoformat()},
        timeout=10,
    ).json()
    closing = [u for u in updates if u["status"] == "fixed"][-1]
    crm_client, push_key = _push_client(city, endpoint)
    mail.outbox.clear()
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            answer = client.post(
                "/open311/v2/servicerequestupdates.json",
                {
                    "api_key": push_key,
                    "jurisdiction_id": city.jurisdiction.slug,
                    "service_request_id": closing["service_request_id"],
                    "update_id": closing["update_id"],
                    "status": closing["status"].upper(),
                    "external_status_code": closing.get("external_status_code") or "",
                    "updated_datetime": closing["updated_datetime"],
                    "description": closing["description"],
                },
            )
        assert answer.status_code == 200, answer.content
    request.refresh_from_db()
    assert (request.status, request.close_reason) == (Status.CLOSED, CloseReason.FIXED)
    assert [m.to for m in mail.outbox] == [[RESIDENT]]
    # The poll that reads the same update afterwards applies nothing more.
    poll_endpoint.call(endpoint.pk)
    assert request.events.filter(kind=Event.Kind.STATUS_CHANGED).count() == 2

    page = client.get(request.get_absolute_url()).content.decode()
    assert f"Sent to the city's system, reference {send.external_id}" in page
    assert "Crew 7 scheduled" in page and "Filled and sealed" in page


def log_of(log) -> str:
    log.flush()
    log.seek(0)
    return log.read()


def _push_client(city, endpoint):
    from fixboard.accounts.apikeys import issue_api_key
    from fixboard.catalog.actions import save_crm_endpoint

    crm_client, key = issue_api_key(name="City CRM", jurisdiction_slugs=[city.jurisdiction.slug])
    save_crm_endpoint(actor="test", endpoint=endpoint, data={"push_client": crm_client})
    return crm_client, key
