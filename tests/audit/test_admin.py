"""City admins read the audit log: who changed the configuration, when, and how; nobody
can edit it, and no password or API key ever appears in it."""

import re

import pytest

from fixboard.accounts.actions import save_user
from fixboard.accounts.models import ApiClient, User
from fixboard.audit.models import AuditEntry
from fixboard.catalog.actions import save_department
from tests.factories import UserFactory, make_city

pytestmark = pytest.mark.django_db

LIST = "/admin/audit/auditentry/"


def signed_in(client, role: str, **flags):
    user = UserFactory(role=role, is_staff=True, **flags)
    client.force_login(user)
    return user


def test_a_city_admin_reads_and_filters_the_log(client, city):
    save_department(
        actor="fixboard demo",
        data={"jurisdiction": city.jurisdiction, "code": "water", "name": "Water"},
    )
    signed_in(client, User.Role.ADMIN, jurisdictions=[city.jurisdiction])
    page = client.get(LIST)
    assert page.status_code == 200
    text = page.content.decode()
    assert '<td class="field-actor">fixboard demo</td>' in text
    assert "<b>name</b>: null → &quot;Water&quot;" in text
    filtered = client.get(LIST, {"action__exact": "changed"}).content.decode()
    assert '<td class="field-actor">fixboard demo</td>' not in filtered
    assert client.get(LIST, {"jurisdiction__id__exact": city.jurisdiction.pk}).status_code == 200
    entry = AuditEntry.objects.get(object_repr="Water")
    assert client.get(f"{LIST}{entry.pk}/change/").status_code == 200
    # Read-only: no adding, changing or deleting.
    assert client.get(f"{LIST}add/").status_code == 403
    assert client.post(f"{LIST}{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_a_city_admin_reads_only_their_citys_entries(client, city):
    other = make_city()
    for jurisdiction, name in ((city.jurisdiction, "Aqueduct"), (other.jurisdiction, "Harbor")):
        save_department(
            actor="fixboard demo",
            data={"jurisdiction": jurisdiction, "code": name.lower(), "name": name},
        )
    ours, theirs = (
        UserFactory(role=User.Role.STAFF, jurisdictions=[j])
        for j in (city.jurisdiction, other.jurisdiction)
    )
    save_user(actor="fixboard demo", user=ours, data={"first_name": "Ours"})
    save_user(actor="fixboard demo", user=theirs, data={"first_name": "Theirs"})
    signed_in(client, User.Role.ADMIN, jurisdictions=[city.jurisdiction])
    text = client.get(LIST).content.decode()
    assert "Aqueduct" in text and str(ours) in text
    assert "Harbor" not in text and str(theirs) not in text
    hidden = AuditEntry.objects.get(object_repr="Harbor")
    assert client.get(f"{LIST}{hidden.pk}/change/").status_code == 302  # not found: sent back


def test_other_staff_cannot_see_the_log(client, city):
    signed_in(client, User.Role.AGENT)
    assert client.get(LIST).status_code == 403


def test_keys_and_passwords_never_reach_the_log(admin_client, city):
    page = admin_client.post(
        "/admin/accounts/apiclient/add/",
        {
            "name": "City CRM",
            "jurisdictions": [city.jurisdiction.pk],
            "rate_limit_per_minute": "60",
        },
        follow=True,
    )
    first = re.search(r"The key of City CRM is (\S+) — copy", page.content.decode()).group(1)
    crm = ApiClient.objects.get(name="City CRM")
    page = admin_client.post(
        "/admin/accounts/apiclient/",
        {"action": "issue_new_keys", "_selected_action": [crm.pk]},
        follow=True,
    )
    second = re.search(r"The key of City CRM is (\S+) — copy", page.content.decode()).group(1)
    lee = UserFactory(username="lee")
    page = admin_client.post(
        f"/admin/accounts/user/{lee.pk}/password/",
        {
            "password1": "a secret nobody should read",
            "password2": "a secret nobody should read",
            "usable_password": "true",
        },
    )
    assert page.status_code == 302, page.content.decode()
    crm.refresh_from_db()
    lee.refresh_from_db()
    assert lee.check_password("a secret nobody should read")

    entries = list(AuditEntry.objects.order_by("id"))
    assert [(e.actor, e.action, e.object_repr) for e in entries] == [
        ("admin", "created", "City CRM"),
        ("admin", "key_issued", "City CRM"),
        ("admin", "changed", "lee"),
    ]
    assert entries[2].changes == {"password": ["[hidden]", "[hidden]"]}
    shown = admin_client.get(LIST).content.decode() + "".join(
        admin_client.get(f"{LIST}{e.pk}/change/").content.decode() for e in entries
    )
    for secret in (first, second, crm.key_hash, lee.password, "a secret nobody"):
        assert secret not in shown
    assert first[:8] in shown  # the prefix that tells keys apart, as the client list shows it
