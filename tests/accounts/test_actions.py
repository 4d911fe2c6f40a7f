"""Staff accounts and API clients change only through accounts.actions: validated field by
field, on the audit log, and never with a password or key in it."""

import pytest
from django.core.exceptions import ValidationError

from fixboard.accounts import actions
from fixboard.accounts.apikeys import client_for_key
from fixboard.accounts.models import User
from fixboard.audit.models import AuditEntry
from tests.factories import UserFactory, make_city

pytestmark = pytest.mark.django_db


def entries_of(obj) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(object_id=str(obj.pk)).order_by("id"))


def test_staff_user_created_given_roles_and_a_password(city):
    boss = UserFactory(username="boss")
    lee = actions.save_user(
        actor=boss,
        data={"username": "lee", "email": "lee@example.org", "role": "agent"},
        password="a long and unusual passphrase",
    )
    assert lee.check_password("a long and unusual passphrase")
    (created,) = entries_of(lee)
    assert (created.actor_user, created.action) == (boss, "created")
    assert created.changes["role"] == [None, "agent"]
    assert created.changes["password"] == ["[hidden]", "[hidden]"]

    actions.save_user(
        actor=boss,
        data={"role": "staff", "jurisdictions": [city.jurisdiction], "departments": [city.parks]},
        user=lee,
    )
    lee.refresh_from_db()
    assert list(lee.departments.all()) == [city.parks]
    changes = entries_of(lee)[-1].changes
    assert changes == {
        "role": ["agent", "staff"],
        "jurisdictions": [[], ["Testville"]],
        "departments": [[], ["Parks"]],
    }


def test_user_errors_are_named_by_field(city):
    other = make_city()
    with pytest.raises(ValidationError) as exc:
        actions.save_user(
            actor="test",
            data={
                "username": "admin two",
                "role": "mayor",
                "jurisdictions": [city.jurisdiction],
                "departments": [other.parks],
            },
            password="123",
        )
    errors = exc.value.message_dict
    assert set(errors) == {"username", "role", "departments", "password"}
    assert errors["departments"] == [
        "Parks is a department of Testville: add Testville to the jurisdictions too."
    ]
    assert not User.objects.filter(username="admin two").exists()
    assert not AuditEntry.objects.exists()


def test_password_change_is_logged_without_the_password(city):
    lee = UserFactory(username="lee")
    old_hash = lee.password
    actions.set_password(actor="test", user=lee, password="another unusual passphrase")
    lee.refresh_from_db()
    assert lee.check_password("another unusual passphrase")
    entry = entries_of(lee)[-1]
    assert entry.changes == {"password": ["[hidden]", "[hidden]"]}
    text = str(entry.changes)
    assert old_hash not in text and lee.password not in text and "unusual" not in text


def test_api_client_created_rotated_and_revoked(city):
    client, key = actions.save_api_client(
        actor="test",
        data={"name": "Neighbourhood app", "jurisdictions": [city.jurisdiction]},
    )
    assert client_for_key(key) == client
    new_key = actions.rotate_api_key(actor="test", client=client)
    assert client_for_key(key) is None and client_for_key(new_key).pk == client.pk
    actions.revoke_api_client(actor="test", client=client)
    assert client_for_key(new_key) is None
    created, rotated, revoked = entries_of(client)
    assert created.changes["jurisdictions"] == [None, ["Testville"]]
    assert created.changes["key"] == ["[hidden]", "[hidden]"]
    assert rotated.action == "key_issued"
    assert rotated.changes["key_prefix"] == [key[:8], new_key[:8]]
    assert (revoked.action, revoked.changes) == ("deactivated", {"active": [True, False]})
    client.refresh_from_db()
    for entry in (created, rotated, revoked):
        for secret in (key, new_key, client.key_hash):
            assert secret not in str(entry.changes)


def test_api_client_errors_are_named_by_field(city):
    actions.save_api_client(
        actor="test", data={"name": "App", "jurisdictions": [city.jurisdiction]}
    )
    with pytest.raises(ValidationError) as exc:
        actions.save_api_client(
            actor="test", data={"name": "App", "jurisdictions": [], "rate_limit_per_minute": 0}
        )
    assert set(exc.value.message_dict) == {"name", "jurisdictions", "rate_limit_per_minute"}
