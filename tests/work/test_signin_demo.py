"""The demo's four accounts sign in at /login/, land on their work and may do their jobs.

The demo's catalog and accounts are loaded by the demo loader's own steps (not its areas
and 18,000 requests: those are tests/demo's business and take a minute)."""

import pytest
from django.test import Client

from fixboard.accounts import scope
from fixboard.accounts.models import User
from fixboard.catalog.models import ServiceType
from fixboard.demo import loader
from fixboard.places.actions import create_jurisdiction
from fixboard.reports.actions import submit_request

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def los_angeles():
    result = loader.DemoResult(
        jurisdiction=create_jurisdiction(
            slug=loader.SLUG, name="Los Angeles", timezone="America/Los_Angeles"
        )
    )
    loader._load_catalog(result)
    loader._create_accounts(result.jurisdiction)
    return result.jurisdiction


def bulky_items_pickup(la):
    """A Sanitation (BOS) request, as a resident would post it."""
    return submit_request(
        service_type=ServiceType.objects.get(jurisdiction=la, code="bulky-items"),
        lat=34.0522,
        long=-118.2437,
        attributes={"item-count": 2, "item-types": ["mattress"]},
        description="A mattress and a sofa by the curb",
        actor=None,
    )


def test_each_demo_account_works_in_los_angeles_with_its_department(los_angeles):
    accounts = {u.username: u for u in User.objects.all()}
    assert set(accounts) == {a.username for a in loader.ACCOUNTS}
    for user in accounts.values():
        assert list(user.jurisdictions.all()) == [los_angeles], user.username
        assert user.is_staff == (user.username == "admin"), user.username
    departments = {
        name: list(accounts[name].departments.values_list("code", flat=True)) for name in accounts
    }
    assert departments == {"admin": [], "agent": [], "staff": ["bos"], "manager": ["bos"]}


@pytest.mark.parametrize(
    "username, lands_on",
    [("staff", "/queue/"), ("manager", "/queue/"), ("agent", "/console/"), ("admin", "/queue/")],
)
def test_each_demo_account_signs_in_and_lands_on_its_work(los_angeles, username, lands_on):
    pickup = bulky_items_pickup(los_angeles)
    password = next(a.password for a in loader.ACCOUNTS if a.username == username)
    client = Client()

    response = client.post("/login/", {"username": username, "password": password})

    assert response.status_code == 302 and response["Location"] == lands_on
    assert client.get(lands_on).status_code == 200
    queue = client.get("/queue/")
    assert queue.status_code == 200
    # Sanitation's request is in the queue of Sanitation's staff and its manager, and of the
    # call-taker and the admin, who see the whole city's.
    assert pickup.public_id in queue.text
    user = User.objects.get(username=username)
    may_change = scope.may_change(user, pickup)
    assert may_change == (username != "agent")
    if username == "admin":
        assert 'href="/admin/"' in queue.text
        assert client.get("/admin/reports/servicerequest/").status_code == 200
    else:
        assert client.get("/admin/", follow=True).status_code == 403
