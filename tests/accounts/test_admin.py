"""Users with roles, and API clients whose key is shown once and stored hashed."""

import re

import pytest

from fixboard.accounts.models import ApiClient, User, hash_api_key
from fixboard.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_pages_load(admin_client, city):
    client = ApiClient(name="City CRM")
    client.set_new_key()
    client.save()
    for url in (
        "/admin/accounts/user/",
        "/admin/accounts/user/add/",
        f"/admin/accounts/user/{User.objects.get(username='admin').pk}/change/",
        "/admin/accounts/apiclient/",
        "/admin/accounts/apiclient/add/",
        f"/admin/accounts/apiclient/{client.pk}/change/",
    ):
        assert admin_client.get(url).status_code == 200, url


def test_admin_gives_staff_a_role_jurisdiction_and_department(admin_client, city):
    page = admin_client.post(
        "/admin/accounts/user/add/",
        {
            "username": "maria",
            "email": "maria@example.org",
            "role": "staff",
            "password1": "a long and unusual passphrase",
            "password2": "a long and unusual passphrase",
            "usable_password": "true",
        },
    )
    assert page.status_code == 302, page.content.decode()
    maria = User.objects.get(username="maria")
    page = admin_client.get(f"/admin/accounts/user/{maria.pk}/change/")
    assert "Role in Fixboard" in page.content.decode()
    form = {
        "username": "maria",
        "email": "maria@example.org",
        "role": "staff",
        "jurisdictions": [city.jurisdiction.pk],
        "departments": [city.streets.pk],
        "is_active": "on",
        "date_joined_0": "2026-01-05",
        "date_joined_1": "09:00:00",
    }
    page = admin_client.post(f"/admin/accounts/user/{maria.pk}/change/", form)
    assert page.status_code == 302, page.content.decode()
    maria.refresh_from_db()
    assert maria.role == User.Role.STAFF
    assert list(maria.departments.all()) == [city.streets]
    assert list(maria.jurisdictions.all()) == [city.jurisdiction]
    listing = admin_client.get("/admin/accounts/user/?role__exact=staff").content.decode()
    assert "maria" in listing
    created, changed = AuditEntry.objects.filter(object_id=str(maria.pk)).order_by("id")
    assert (created.actor, created.action, created.changes["role"]) == (
        "admin",
        "created",
        [None, "staff"],
    )
    assert created.changes["password"] == ["[hidden]", "[hidden]"]
    assert changed.changes["departments"] == [[], ["Streets"]]
    assert changed.changes["jurisdictions"] == [[], ["Testville"]]


def test_new_api_client_key_is_shown_once_and_stored_hashed(admin_client, city):
    page = admin_client.post(
        "/admin/accounts/apiclient/add/",
        {
            "name": "Neighbourhood app",
            "jurisdictions": [city.jurisdiction.pk],
            "rate_limit_per_minute": "600",
            "active": "on",
        },
        follow=True,
    )
    text = page.content.decode()
    match = re.search(r"The key of Neighbourhood app is (\S+) — copy it now", text)
    assert match, text
    key = match.group(1)
    client = ApiClient.objects.get(name="Neighbourhood app")
    assert client.key_hash == hash_api_key(key)
    assert key not in client.key_hash
    assert client.key_prefix == key[:8]
    again = admin_client.get(f"/admin/accounts/apiclient/{client.pk}/change/").content.decode()
    assert key not in again
    assert client.key_prefix in again


def test_issuing_a_new_key_replaces_the_old(admin_client, city):
    client = ApiClient(name="City CRM")
    old = client.set_new_key()
    client.save()
    page = admin_client.post(
        "/admin/accounts/apiclient/",
        {"action": "issue_new_keys", "_selected_action": [client.pk]},
        follow=True,
    )
    text = page.content.decode()
    new = re.search(r"The key of City CRM is (\S+) — copy it now", text).group(1)
    client.refresh_from_db()
    assert client.key_hash == hash_api_key(new) != hash_api_key(old)
    assert "1 client has a new key." in text


def test_department_needs_its_jurisdiction(admin_client, city):
    user = User.objects.create_user(username="lee", role=User.Role.STAFF)
    page = admin_client.post(
        f"/admin/accounts/user/{user.pk}/change/",
        {
            "username": "lee",
            "role": "staff",
            "departments": [city.streets.pk],
            "is_active": "on",
            "date_joined_0": "2026-01-05",
            "date_joined_1": "09:00:00",
        },
    )
    assert page.status_code == 200
    assert "Streets is a department of Testville: add Testville to the jurisdictions too." in (
        page.content.decode()
    )
    assert not user.departments.exists()
    assert not AuditEntry.objects.exists()


def test_revoking_a_client_stops_its_key(admin_client, city):
    from fixboard.accounts.apikeys import client_for_key

    client = ApiClient(name="Old app")
    key = client.set_new_key()
    client.save()
    page = admin_client.post(
        "/admin/accounts/apiclient/",
        {"action": "revoke_selected", "_selected_action": [client.pk]},
        follow=True,
    )
    assert "1 client revoked." in page.content.decode()
    assert client_for_key(key) is None
    entry = AuditEntry.objects.get(object_id=str(client.pk))
    assert (entry.actor, entry.action) == ("admin", "deactivated")
