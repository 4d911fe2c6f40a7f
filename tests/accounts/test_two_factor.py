"""fixboard.accounts.two_factor: setting up, checking and removing an authenticator app."""

import base64
from urllib.parse import parse_qs, urlparse

import pytest
from django.core.exceptions import ValidationError
from django_otp.plugins.otp_totp.models import TOTPDevice

from fixboard.accounts import two_factor
from fixboard.audit.models import AuditEntry
from tests.accounts.totp import current_code, give_two_factor, wrong_code
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pat(city):
    return UserFactory(username="pat", role="staff", jurisdictions=[city.jurisdiction])


def test_the_device_being_set_up_keeps_its_secret_until_confirmed(pat):
    device = two_factor.device_being_set_up(pat)
    assert two_factor.device_being_set_up(pat).pk == device.pk
    assert not two_factor.has_two_factor(pat)

    secret = two_factor.secret_text(device)
    assert base64.b32decode(secret.replace(" ", "")) == device.bin_key
    assert all(len(group) == 4 for group in secret.split())

    uri = two_factor.qr_code_data_uri(device)
    assert uri.startswith("data:image/svg+xml;base64,")
    assert b"<svg" in base64.b64decode(uri.split(",", 1)[1])
    link = urlparse(device.config_url)
    assert (link.scheme, link.netloc) == ("otpauth", "totp")
    assert parse_qs(link.query)["issuer"] == ["Fixboard"]
    assert link.path == "/Fixboard%3Apat"


def test_confirming_with_a_right_code_turns_it_on_and_is_audited(pat):
    old = give_two_factor(pat)
    device = two_factor.device_being_set_up(pat)

    with pytest.raises(ValidationError) as refused:
        two_factor.confirm_device(actor=pat, device=device, code=wrong_code(device))
    assert refused.value.error_dict["code"][0].code == "wrong"
    device.refresh_from_db()
    assert not device.confirmed and device.throttling_failure_count == 1  # kept: not rolled back

    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)
    two_factor.confirm_device(actor=pat, device=device, code=current_code(device))

    assert list(TOTPDevice.objects.filter(user=pat)) == [device]  # the old phone stops working
    assert not TOTPDevice.objects.filter(pk=old.pk).exists()
    entry = AuditEntry.objects.get(object_repr="pat")
    assert entry.changes == {"two_factor": [True, True]}
    assert entry.actor == "pat" and entry.jurisdiction == pat.jurisdictions.get()


def test_a_code_is_checked_for_shape_and_wrong_codes_make_it_wait(pat):
    device = give_two_factor(pat)
    for code, reason in (("12ab56", "invalid"), ("1234", "invalid")):
        with pytest.raises(ValidationError) as error:
            two_factor.check_code(device, code)
        assert error.value.error_dict["code"][0].code == reason
    device.refresh_from_db()
    assert device.throttling_failure_count == 0  # nothing was tried

    with pytest.raises(ValidationError):
        two_factor.check_code(device, wrong_code(device))
    device.refresh_from_db()
    with pytest.raises(ValidationError) as waiting:
        two_factor.check_code(device, current_code(device))
    assert waiting.value.error_dict["code"][0].code == "throttled"
    assert "wait 1 second" in waiting.value.messages[0]


def test_a_spaced_code_is_accepted_once(pat):
    device = give_two_factor(pat)
    code = current_code(device)
    assert two_factor.check_code(device, f"{code[:3]} {code[3:]}").pk == device.pk
    device.refresh_from_db()
    with pytest.raises(ValidationError):
        two_factor.check_code(device, code)


def test_turning_it_off_removes_every_device_and_is_audited(pat):
    give_two_factor(pat)
    two_factor.device_being_set_up(pat)

    two_factor.turn_off(actor="fixboard support", user=pat)

    assert not TOTPDevice.objects.filter(user=pat).exists()
    entry = AuditEntry.objects.get(object_repr="pat")
    assert (entry.actor, entry.changes) == ("fixboard support", {"two_factor": [True, False]})
    two_factor.turn_off(actor="fixboard support", user=pat)  # nothing to do: no new entry
    assert AuditEntry.objects.filter(object_repr="pat").count() == 1


def test_an_admin_turns_it_off_for_someone_who_lost_their_phone(pat, city, client):
    from django.contrib.auth.models import Permission

    give_two_factor(pat)
    city_admin = UserFactory(
        username="ada", role="admin", is_staff=True, jurisdictions=[city.jurisdiction]
    )
    city_admin.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_user", "change_user"])
    )
    client.force_login(city_admin)

    listing = client.get("/admin/accounts/user/")
    assert listing.status_code == 200
    assert "two-step sign-in" in listing.text
    assert "Turn off two-step sign-in" in listing.text
    # The devices' own admin (with their secrets) is not offered.
    assert client.get("/admin/otp_totp/totpdevice/").status_code == 404

    done = client.post(
        "/admin/accounts/user/",
        {"action": "turn_off_two_factor", "_selected_action": [pat.pk]},
        follow=True,
    )

    assert "Two-step sign-in turned off for 1 user" in done.text
    assert not two_factor.has_two_factor(pat)
    entry = AuditEntry.objects.get(object_repr="pat")
    assert (entry.actor, entry.changes) == ("ada", {"two_factor": [True, False]})
