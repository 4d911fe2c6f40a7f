import pytest
from django.test import Client

from fixboard.accounts.models import ApiClient


@pytest.fixture
def api_key(city) -> str:
    """The key of an app allowed to post to the test city."""
    client = ApiClient(name="Testville app")
    key = client.set_new_key()
    client.save()
    client.jurisdictions.add(city.jurisdiction)
    return key


@pytest.fixture
def app(api_key) -> Client:
    """A test client that sends the app's API key."""
    return Client(headers={"X-Api-Key": api_key})


@pytest.fixture
def browser() -> Client:
    """A browser: CSRF is enforced as in production."""
    return Client(enforce_csrf_checks=True)


def csrf_token(browser: Client) -> str:
    """Load a page that sets the CSRF cookie, as the web pages do, and return the token."""
    browser.get("/api/v1/docs")
    return browser.cookies["csrftoken"].value
