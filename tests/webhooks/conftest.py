import pytest

from fixboard.core.models import Outbox
from fixboard.webhooks.actions import save_subscription
from fixboard.webhooks.models import WebhookDelivery
from fixboard.webhooks.tasks import send_delivery

from .receiver import Receiver


@pytest.fixture(autouse=True)
def _webhook_settings(settings):
    settings.WEBHOOK_TIMEOUT_SECONDS = 2
    settings.WEBHOOK_RETRY_BASE_SECONDS = 0


@pytest.fixture
def receiver():
    running = Receiver()
    yield running
    running.stop()


def subscribe(city, receiver, **fields):
    sub = save_subscription(
        actor="test",
        data={
            "jurisdiction": city.jurisdiction,
            "name": "Integrator",
            "target_url": receiver.url,
            "kinds": ["created", "status_changed", "updated"],
            **fields,
        },
    )
    receiver.secret = sub.secret
    return sub


def drain(rounds: int = 20) -> None:
    """Run the send task for every pending delivery until none is left; what the worker
    does with retries come due, one task at a time."""
    for _ in range(rounds):
        pending = list(
            WebhookDelivery.objects.filter(state=Outbox.State.PENDING).values_list("id", flat=True)
        )
        if not pending:
            return
        for pk in pending:
            send_delivery.call(pk)
