import pytest

from fixboard.bridge.models import CrmSend
from fixboard.bridge.tasks import send_request
from fixboard.catalog.actions import save_crm_endpoint, save_routing_rule
from fixboard.core.models import Outbox
from tests.conftest import SHARED

from .standin import Canned, Crm, Running

FIXTURES = SHARED / "open311" / "fixtures"


@pytest.fixture(autouse=True)
def _crm_settings(settings):
    settings.CRM_TIMEOUT_SECONDS = 0.5
    settings.CRM_RETRY_BASE_SECONDS = 0


@pytest.fixture
def crm():
    running = Running(Crm(hang=1.5))
    yield running
    running.stop()


def fixture(name: str, status: int = 200) -> tuple[int, str, bytes]:
    """A real city's saved answer, as `Canned` serves it."""
    kind = "text/xml" if name.endswith(".xml") else "application/json"
    return status, kind, (FIXTURES / name).read_bytes()


@pytest.fixture
def canned():
    """Start servers answering with saved answers; stopped after the test."""
    servers = []

    def serve(answers):
        servers.append(Canned(answers))
        return servers[-1]

    yield serve
    for server in servers:
        server.stop()


def connect(city, url: str, **fields):
    """An endpoint at `url` and a rule forwarding every pothole of the city to it."""
    endpoint = save_crm_endpoint(
        actor="test",
        data={
            "jurisdiction": city.jurisdiction,
            "name": "City CRM",
            "base_url": url,
            "api_key": "crm-secret-key-123456",
            **fields,
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
    return endpoint


@pytest.fixture
def endpoint(city, crm):
    return connect(city, crm.url)


def drain(rounds: int = 50) -> None:
    """Run the send task for every pending send until none is left (or `rounds` pass);
    what the worker does, one task at a time."""
    for _ in range(rounds):
        pending = list(
            CrmSend.objects.filter(state=Outbox.State.PENDING).values_list("id", flat=True)
        )
        if not pending:
            return
        for pk in pending:
            send_request.call(pk)
