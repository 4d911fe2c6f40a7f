import pytest
from django.core.cache import cache
from django.test import Client

from fixboard.accounts.models import ApiClient
from tests.factories import UserFactory

# The SMTP sink and the on-commit runner of the notify tests, for the e-mails the API causes.
from tests.notify.conftest import commit, mailbox  # noqa: F401


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    # Rate-limit counters live in the cache, which outlives each test's database.
    cache.clear()
    yield
    cache.clear()


def _key_for(jurisdiction, name: str) -> str:
    client = ApiClient(name=name)
    key = client.set_new_key()
    client.save()
    client.jurisdictions.add(jurisdiction)
    return key


@pytest.fixture
def api_key(city) -> str:
    """The key of an app allowed to post to the test city."""
    return _key_for(city.jurisdiction, "Testville app")


@pytest.fixture
def app_for(db):
    """Makes a test client with the key of an app allowed to post to a jurisdiction."""
    return lambda jurisdiction: Client(
        headers={"X-Api-Key": _key_for(jurisdiction, f"app for {jurisdiction.slug}")}
    )


@pytest.fixture
def app(api_key) -> Client:
    """A test client that sends the app's API key."""
    return Client(headers={"X-Api-Key": api_key})


@pytest.fixture
def browser() -> Client:
    """A browser: CSRF is enforced as in production."""
    return Client(enforce_csrf_checks=True)


def csrf_token(browser: Client) -> str:
    """Ask for the CSRF cookie as the site's scripts do, and return the token."""
    token = browser.get("/api/v1/csrf").json()["csrf_token"]
    assert browser.cookies["csrftoken"].value
    return token


def signed_in(browser: Client, **fields):
    """Sign a new user in on `browser`; returns the user."""
    user = UserFactory(**fields)
    # The factory sets the password without saving it; the session hash must match the row.
    user.save(update_fields=["password"])
    browser.force_login(user)
    return user
