"""Password sign-ins (django-axes): a username is locked out from one address after a few
wrong passwords, for a cool-off time; other users and other addresses are not."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db.models import F
from django.test import Client, RequestFactory

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
RIGHT = "correct horse battery"


def sign_in(client: Client, username: str, password: str) -> int:
    """The staff sign-in (the admin's too); the status code (302: signed in)."""
    response = client.post("/login/?next=/admin/", {"username": username, "password": password})
    return response.status_code


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    # Dozens of password checks: the lockout is the point here, not the hash's cost.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def staff():
    return UserFactory(username="clerk", is_staff=True, is_superuser=True)


def test_thirty_wrong_passwords_then_the_right_one_is_refused(staff):
    attacker = Client()

    answers = [sign_in(attacker, "clerk", f"guess{i}") for i in range(30)]

    assert answers[:4] == [200] * 4  # the form again, "wrong password"
    assert set(answers[4:]) == {429}  # the fifth failure locks the username out here
    # The lockout page is the site's own (fixboard.work.views.signin.locked_out).
    assert sign_in(attacker, "clerk", RIGHT) == 429
    assert "_auth_user_id" not in attacker.session


def test_the_lockout_is_per_username_and_address(staff):
    UserFactory(username="colleague", role="agent")
    for i in range(6):
        sign_in(Client(), "clerk", f"guess{i}")

    # A call center shares one address: a colleague still signs in from it,
    assert sign_in(Client(), "colleague", RIGHT) == 302
    # and the clerk from another address.
    assert sign_in(Client(REMOTE_ADDR="192.0.2.44"), "clerk", RIGHT) == 302
    assert sign_in(Client(), "clerk", RIGHT) == 429


def test_after_the_cool_off_or_a_reset_the_right_password_works(staff):
    for i in range(6):
        sign_in(Client(), "clerk", f"guess{i}")
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(hours=1))
    assert sign_in(Client(), "clerk", RIGHT) == 302

    for i in range(6):
        sign_in(Client(), "clerk", f"guess{i}")
    assert sign_in(Client(), "clerk", RIGHT) == 429
    call_command("axes_reset_username", "clerk")
    assert sign_in(Client(), "clerk", RIGHT) == 302


def test_a_success_resets_the_count(staff):
    for i in range(4):
        sign_in(Client(), "clerk", f"guess{i}")
    assert sign_in(Client(), "clerk", RIGHT) == 302
    for i in range(4):
        sign_in(Client(), "clerk", f"guess{i}")
    assert sign_in(Client(), "clerk", RIGHT) == 302


def test_every_password_sign_in_goes_through_the_lockout(staff):
    """authenticate() itself refuses, so a future staff sign-in page is covered too."""
    request = RequestFactory().post("/login/")
    for i in range(6):
        authenticate(request, username="clerk", password=f"guess{i}")

    assert authenticate(RequestFactory().post("/login/"), username="clerk", password=RIGHT) is None
