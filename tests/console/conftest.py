import pytest

from fixboard.accounts.models import User
from fixboard.catalog.actions import save_call_topic
from fixboard.places.addresses import record_addresses
from tests.factories import INSIDE_EAST, INSIDE_WEST, UserFactory, make_city


@pytest.fixture
def city():
    city = make_city()
    record_addresses(
        jurisdiction=city.jurisdiction,
        addresses=[
            ("1900 E 4th St", "90033", *INSIDE_WEST),
            ("200 Main St", "90012", *INSIDE_EAST),
        ],
    )
    save_call_topic(
        actor="test",
        data={
            "jurisdiction": city.jurisdiction,
            "name": "Street sweeping schedule",
            "answer": "The signs on your street give the day.",
        },
    )
    return city


@pytest.fixture
def agent(city):
    return UserFactory(username="cal", role=User.Role.AGENT, jurisdictions=[city.jurisdiction])


@pytest.fixture
def console(client, agent):
    """A client signed in as the agent, with a call on."""
    client.force_login(agent)
    assert client.post("/console/calls/").status_code == 302
    return client
