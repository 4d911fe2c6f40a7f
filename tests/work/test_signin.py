"""Staff sign-in at /login/: where each role lands, who is refused and how, two-step sign-in
with an authenticator app, the lockouts, and sign-out."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from fixboard.accounts.models import User
from fixboard.audit.models import AuditEntry
from fixboard.work import access
from tests.accounts.totp import current_code, give_two_factor, wrong_code
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def staff_member(city, username="pat", **kwargs):
    kwargs.setdefault("role", User.Role.STAFF)
    return UserFactory(
        username=username,
        jurisdictions=[city.jurisdiction],
        departments=[city.streets],
        **kwargs,
    )


def sign_in(client, username, password=PASSWORD, next_url=None, **extra):
    url = "/login/" + (f"?next={next_url}" if next_url else "")
    return client.post(url, {"username": username, "password": password}, **extra)


def signed_in_user(client):
    return client.session.get("_auth_user_id")


# Landing


@pytest.mark.parametrize(
    "role, superuser",
    [("staff", False), ("manager", False), ("admin", False), ("admin", True)],
)
def test_each_role_lands_on_its_work(client, city, role, superuser):
    user = staff_member(city, role=role, is_superuser=superuser, is_staff=superuser)

    response = sign_in(client, user.username)

    assert response.status_code == 302
    assert response["Location"] == "/queue/"
    assert client.get("/queue/").status_code == 200
    if role == "admin":
        assert 'href="/admin/"' in client.get("/queue/").text


def test_agents_land_on_the_call_console(client, city):
    staff_member(city, role="agent", username="cal")
    response = sign_in(client, "cal")
    assert response.status_code == 302 and response["Location"] == "/console/"
    assert client.get("/console/").status_code == 200
    assert access.landing_url(staff_member(city, "sam")) == "/queue/"


def test_next_on_the_same_host_wins_and_another_host_is_ignored(client, city):
    staff_member(city)
    assert sign_in(client, "pat", next_url="/account/security/")["Location"] == (
        "/account/security/"
    )
    other = Client()
    assert sign_in(other, "pat", next_url="https://evil.example/")["Location"] == "/queue/"


def test_a_signed_in_staff_member_is_sent_on(client, city):
    client.force_login(staff_member(city))
    response = client.get("/login/?next=/account/security/")
    assert response.status_code == 302 and response["Location"] == "/account/security/"


# Refusals


def test_a_wrong_password_is_refused_plainly(client, city):
    staff_member(city)
    response = sign_in(client, "pat", "not it")
    assert response.status_code == 200
    assert "do not match an account" in response.text
    assert not signed_in_user(client)


def test_a_resident_is_pointed_to_the_resident_sign_in_and_not_signed_in(client, city):
    UserFactory(username="rosa", role=User.Role.RESIDENT)

    response = sign_in(client, "rosa")

    assert response.status_code == 200
    assert "This is the sign-in for the city&#x27;s staff" in response.text
    assert f'href="{reverse("notify:signin")}"' in response.text
    assert "Go to the residents' sign-in" in response.text
    assert not signed_in_user(client)
    assert client.get("/queue/").status_code == 302


def test_a_resident_already_signed_in_sees_whose_page_this_is(client):
    client.force_login(UserFactory(username="rosa", role=User.Role.RESIDENT))
    response = client.get("/login/")
    assert response.status_code == 200
    assert "a resident's account" in response.text
    assert "Work queue" not in response.text  # no staff menu for a resident


def test_a_switched_off_account_is_told_so(client, city):
    staff_member(city, is_active=False)

    assert "This account is switched off" in sign_in(client, "pat").text
    assert "switched off" not in sign_in(Client(), "pat", "a guess").text
    assert not signed_in_user(client)


# Two-step sign-in


def test_a_code_is_asked_after_the_password_and_the_half_signed_in_state_is_not_a_session(
    client, city
):
    device = give_two_factor(staff_member(city))

    first = sign_in(client, "pat", next_url="/account/security/")
    assert first.status_code == 302 and first["Location"] == "/login/code/"
    assert not signed_in_user(client)
    assert client.get("/queue/").status_code == 302  # not signed in yet
    page = client.get("/login/code/")
    assert "Enter your code" in page.text
    assert 'autocomplete="one-time-code"' in page.text
    assert "pat" not in page.text.split("<main", 1)[1]  # nothing about the account in the page

    done = client.post("/login/code/", {"code": current_code(device)})

    assert done.status_code == 302 and done["Location"] == "/account/security/"
    assert signed_in_user(client) == str(device.user_id)
    assert client.get("/queue/").status_code == 200
    assert client.get("/login/code/")["Location"] == "/login/"  # the step is over


def test_a_wrong_code_is_refused_and_a_used_code_is_not_taken_twice(client, city):
    device = give_two_factor(staff_member(city))
    sign_in(client, "pat")

    wrong = client.post("/login/code/", {"code": wrong_code(device)})
    assert "That code is not right" in wrong.text
    assert not signed_in_user(client)

    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)
    code = current_code(device)
    assert client.post("/login/code/", {"code": code}).status_code == 302
    again = Client()
    sign_in(again, "pat")
    reused = again.post("/login/code/", {"code": code})
    assert "That code is not right, or it was used already" in reused.text


def test_the_code_step_expires(client, city, settings):
    device = give_two_factor(staff_member(city))
    settings.SIGNIN_CODE_SECONDS = -1
    sign_in(client, "pat")

    response = client.post("/login/code/", {"code": current_code(device)}, follow=True)

    assert response.redirect_chain[-1][0] == "/login/"
    assert "The sign-in took too long" in response.text
    assert not signed_in_user(client)


def test_the_code_step_ends_when_the_password_changes_meanwhile(client, city):
    user = staff_member(city)
    device = give_two_factor(user)
    sign_in(client, "pat")
    user.set_password("a brand new passphrase")
    user.save()

    response = client.post("/login/code/", {"code": current_code(device)})

    assert response["Location"] == "/login/"
    assert not signed_in_user(client)


def test_the_code_page_without_a_password_first_goes_to_the_sign_in(client):
    assert client.get("/login/code/")["Location"] == "/login/"
    assert client.post("/login/code/", {"code": "123456"})["Location"] == "/login/"


def test_wrong_codes_slow_down_then_lock_the_sign_in(client, city, settings):
    device = give_two_factor(staff_member(city))
    sign_in(client, "pat")

    client.post("/login/code/", {"code": wrong_code(device)})
    # django-otp: after a wrong code, the next try must wait (1 s, then 2, 4 ...).
    hurried = client.post("/login/code/", {"code": current_code(device)})
    assert "Too many wrong codes: wait" in hurried.text
    assert not signed_in_user(client)

    # And wrong codes count towards the lockout of this username from this address.
    statuses = []
    for _ in range(settings.AXES_FAILURE_LIMIT):
        TOTPDevice.objects.filter(pk=device.pk).update(
            throttling_failure_timestamp=timezone.now() - timedelta(hours=1)
        )
        statuses.append(client.post("/login/code/", {"code": wrong_code(device)}).status_code)
    assert statuses[-1] == 429
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)
    locked = client.post("/login/code/", {"code": current_code(device)})
    assert locked.status_code == 429
    assert "Sign-in paused" in locked.text
    assert not signed_in_user(client)


def test_wrong_passwords_lock_the_username_and_address_with_a_page_of_ours(client, city, settings):
    staff_member(city)
    answers = [sign_in(client, "pat", f"guess{i}") for i in range(settings.AXES_FAILURE_LIMIT)]

    assert [a.status_code for a in answers[:-1]] == [200] * (settings.AXES_FAILURE_LIMIT - 1)
    locked = answers[-1]
    assert locked.status_code == 429
    assert "Sign-in paused" in locked.text
    assert "paused for 15 minutes" in locked.text
    assert 'class="site-header"' in locked.text  # the site's own page
    assert sign_in(client, "pat").status_code == 429  # the right password too
    assert not signed_in_user(client)
    # Another address is not locked out.
    assert sign_in(Client(REMOTE_ADDR="192.0.2.7"), "pat").status_code == 302
    assert AccessAttempt.objects.filter(username="pat").exists()


# Sign-out


def test_sign_out_is_a_post_and_get_shows_the_button(client, city):
    client.force_login(staff_member(city))

    page = client.get("/logout/")
    assert page.status_code == 200
    assert 'method="post"' in page.text and signed_in_user(client)

    response = client.post("/logout/", follow=True)
    assert response.redirect_chain[-1][0] == "/login/"
    assert "You are signed out." in response.text
    assert not signed_in_user(client)
    assert client.get("/logout/")["Location"] == "/login/"


# The security page


def test_setting_up_two_factor_with_a_first_code_then_turning_it_off(client, city):
    user = staff_member(city)
    client.force_login(user)

    page = client.get("/account/security/")
    assert page.status_code == 200
    assert 'src="data:image/svg+xml;base64,' in page.text
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert page.context["secret"].replace(" ", "") in page.text.replace(" ", "")
    # Reloading keeps the same secret (the app was given it already).
    assert client.get("/account/security/").context["secret"] == page.context["secret"]

    wrong = client.post("/account/security/", {"action": "confirm", "code": wrong_code(device)})
    assert wrong.status_code == 400 and "That code is not right" in wrong.text
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)
    done = client.post(
        "/account/security/", {"action": "confirm", "code": current_code(device)}, follow=True
    )
    assert "Two-step sign-in is on" in done.text
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/queue/").status_code == 200  # this session gave a code
    on = AuditEntry.objects.get(object_repr="pat", changes__two_factor__isnull=False)
    assert on.changes == {"two_factor": [False, True]}

    # Signing in again now asks for the code.
    other = Client()
    assert sign_in(other, "pat")["Location"] == "/login/code/"

    refused = client.post("/account/security/", {"action": "turn-off", "proof": "not it"})
    assert refused.status_code == 400 and "not your password" in refused.text
    off = client.post("/account/security/", {"action": "turn-off", "proof": PASSWORD}, follow=True)
    assert "Two-step sign-in is off" in off.text
    assert not TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    assert sign_in(Client(), "pat")["Location"] == "/queue/"


def test_two_factor_can_be_turned_off_with_a_code(client, city):
    user = staff_member(city)
    device = give_two_factor(user)
    sign_in(client, "pat")
    client.post("/login/code/", {"code": current_code(device)})

    client.post("/account/security/", {"action": "turn-off", "proof": current_code(device)})

    assert not TOTPDevice.objects.filter(user=user).exists()


def test_staff_required_to_use_two_factor_set_it_up_first(client, city, settings):
    settings.STAFF_REQUIRE_TWO_FACTOR = True
    user = staff_member(city)
    sign_in(client, "pat")

    response = client.get("/queue/", follow=True)

    assert response.redirect_chain == [("/account/security/", 302)]
    assert "The city requires two-step sign-in for staff" in response.text
    device = TOTPDevice.objects.get(user=user)
    client.post("/account/security/", {"action": "confirm", "code": current_code(device)})
    assert client.get("/queue/").status_code == 200


def test_a_session_signed_in_without_the_code_reaches_no_staff_page_nor_the_admin(client, city):
    admin = staff_member(city, username="ada", role="admin", is_staff=True, is_superuser=True)
    give_two_factor(admin)
    client.force_login(admin)  # as another door might, without the code

    assert client.get("/queue/")["Location"] == "/login/?next=%2Fqueue%2F"
    admin_page = client.get("/admin/", follow=True)
    assert admin_page.redirect_chain[-1][0] == "/login/?next=%2Fadmin%2F"
    assert "Staff sign-in" in admin_page.text  # the form, not a loop


def test_the_admin_signs_in_through_the_staff_sign_in_with_its_code(client, city):
    admin = staff_member(city, username="ada", role="admin", is_staff=True, is_superuser=True)
    device = give_two_factor(admin)

    to_login = client.get("/admin/", follow=True)
    assert to_login.redirect_chain[-1][0] == "/login/?next=%2Fadmin%2F"
    sign_in(client, "ada", next_url="/admin/")
    assert client.get("/admin/").status_code == 302  # not yet
    done = client.post("/login/code/", {"code": current_code(device)})
    assert done["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
