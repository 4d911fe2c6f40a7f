"""Workers killed (SIGKILL) while they send to the CRM: after a restart every request is
in the CRM exactly once. A real worker process (`fixboard run-worker`) on a database of
its own sends to the stand-in CRM, which kills it after writing some requests and before
answering: the worst moment, as the CRM has the request and Fixboard does not know it."""

import json
import os
import signal
import sys
import time

import pytest

from tests.notify.test_worker_faults import database_url, python, start_worker

from .standin import Crm, Running

REQUESTS = 20
KILL_AT = (3, 9, 15)  # the CRM's writes after which the worker dies
LEASE = 1.0


def seed() -> None:
    """A city forwarding its potholes to the stand-in, and twenty reports (in the install)."""
    from fixboard.catalog.actions import save_crm_endpoint, save_routing_rule
    from tests.factories import make_city, submit_pothole

    city = make_city()
    endpoint = save_crm_endpoint(
        actor="test",
        data={
            "jurisdiction": city.jurisdiction,
            "name": "Stand-in",
            "base_url": os.environ["STANDIN_URL"],
            "poll": "none",
            "max_attempts": 50,
        },
    )
    save_routing_rule(
        actor="test",
        data={
            "jurisdiction": city.jurisdiction,
            "order": 1,
            "service_type": city.pothole,
            "department": city.streets,
            "crm_endpoint": endpoint,
        },
    )
    for i in range(REQUESTS):
        submit_pothole(city, description=f"Hole {i}")


def report() -> None:
    from django.db.models import Count

    from fixboard.bridge.models import CrmSend

    states = CrmSend.objects.values_list("state").annotate(n=Count("pk")).order_by()
    ids = list(CrmSend.objects.values_list("request__public_id", "external_id"))
    print(json.dumps({"states": dict(states), "ids": ids}))


@pytest.fixture
def install(tmp_path):
    crm = Running(Crm())
    url = database_url()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DEBUG")}
    if url:
        env["DATABASE_URL"] = url
    env.update(
        DJANGO_SETTINGS_MODULE="fixboard.settings",
        FIXBOARD_VAR_DIR=str(tmp_path / "var"),
        STANDIN_URL=crm.url,
        TASK_LEASE_SECONDS=str(LEASE),
        WORKER_RECONCILE_SECONDS="0.2",
        CRM_TIMEOUT_SECONDS="5",
        CRM_RETRY_BASE_SECONDS="0",
        LOG_LEVEL="WARNING",
    )
    if not url:
        import subprocess

        subprocess.run(
            [sys.executable, "-m", "fixboard", "migrate", "--no-input", "-v0"], env=env, check=True
        )
    python(env, "from tests.bridge.test_worker_kill import seed; seed()")
    yield env, crm
    crm.stop()


@pytest.mark.django_db(transaction=True)  # on PostgreSQL the worker shares the test database
def test_killed_workers_send_every_request_exactly_once(install, tmp_path):
    env, crm = install
    killed = set()
    worker = None

    def kill_now(record) -> bool:
        if len(crm.crm.requests) in KILL_AT and worker is not None:
            os.kill(worker.pid, signal.SIGKILL)
            killed.add(worker.pid)
            return True
        return False

    crm.crm.after_create = kill_now
    log = tmp_path / "worker.log"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        worker = start_worker(env, log)
        while worker.poll() is None and len(crm.crm.requests) < REQUESTS:
            time.sleep(0.05)
        if worker.poll() is None:
            break  # all written: let it record the last answers
    else:
        pytest.fail(log.read_text()[-3000:])
    while time.monotonic() < deadline:
        states = json.loads(
            python(env, "from tests.bridge.test_worker_kill import report; report()")
        )
        if states["states"] == {"sent": REQUESTS}:
            break
        time.sleep(0.5)
    worker.send_signal(signal.SIGTERM)
    worker.wait(timeout=30)

    assert len(killed) == len(KILL_AT)
    assert states["states"] == {"sent": REQUESTS}, log.read_text()[-3000:]
    assert len(crm.crm.requests) == REQUESTS, "a request went to the CRM twice"
    for public_id, external_id in states["ids"]:
        [record] = crm.crm.created_for(public_id)
        assert record["service_request_id"] == external_id
