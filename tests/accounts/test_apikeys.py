"""API keys: issued once by `fixboard create-api-key`, stored hashed, checked, rate-limited."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from fixboard.accounts import scope
from fixboard.accounts.apikeys import (
    client_and_grant,
    client_for_key,
    take_rate_limit,
)
from fixboard.accounts.models import ApiClient, hash_api_key
from tests.factories import make_city

pytestmark = pytest.mark.django_db


def create(*args) -> tuple[str, str]:
    from io import StringIO

    out, err = StringIO(), StringIO()
    call_command("create_api_key", *args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue()


def test_the_key_is_printed_once_and_stored_hashed(city):
    key, note = create("City CRM")
    client = ApiClient.objects.get(name="City CRM")
    assert "shown only this once" in note and city.jurisdiction.slug in note
    assert len(key) >= 40 and key not in (client.key_hash, client.key_prefix)
    assert client.key_hash == hash_api_key(key)
    assert client_for_key(key) == client
    assert scope.may_act_in(client, city.jurisdiction)


def test_jurisdiction_is_needed_when_there_are_several(city):
    other = make_city()
    with pytest.raises(CommandError, match="Name the jurisdictions"):
        create("Mobile app")
    with pytest.raises(CommandError, match="No jurisdiction atlantis"):
        create("Mobile app", "--jurisdiction", "atlantis")
    key, _note = create(
        "Mobile app", "--jurisdiction", other.jurisdiction.slug, "--rate-limit", "30"
    )
    client = client_for_key(key)
    assert client.rate_limit_per_minute == 30
    assert scope.may_act_in(client, other.jurisdiction)
    assert not scope.may_act_in(client, city.jurisdiction)
    assert client_and_grant(key, other.jurisdiction) == (client, True)
    assert client_and_grant(key, city.jurisdiction) == (client, False)


def test_existing_names_need_rotate_and_the_old_key_stops(city):
    old, _note = create("City CRM")
    with pytest.raises(CommandError, match="pass --rotate"):
        create("City CRM")
    new, _note = create("City CRM", "--rotate")
    assert client_for_key(old) is None
    assert client_for_key(new).name == "City CRM"
    assert ApiClient.objects.count() == 1


def test_revoked_and_unknown_keys(city):
    key, _note = create("Old app")
    ApiClient.objects.update(active=False)
    assert client_for_key(key) is None
    assert client_and_grant(key, city.jurisdiction) == (None, False)
    assert client_and_grant("  ", city.jurisdiction) == (None, False)
    assert client_for_key("") is None
    assert client_for_key("made-up") is None


def test_rate_limit_counts_per_minute(city, monkeypatch):
    key, _note = create("Busy app", "--rate-limit", "3")
    client = client_for_key(key)
    clock = [1_800_000_000.0]
    monkeypatch.setattr("django_ratelimit.core.time.time", lambda: clock[0])
    results = [take_rate_limit(client) for _ in range(4)]
    assert [r.allowed for r in results] == [True, True, True, False]
    assert results[2].remaining == 0
    assert 1 <= results[3].retry_after <= 60
    clock[0] += results[3].retry_after
    assert take_rate_limit(client).allowed  # a new minute


def test_the_command_is_on_the_audit_log_without_the_key(city):
    from fixboard.audit.models import AuditEntry

    key, _note = create("City CRM", "--rate-limit", "30")
    new, _note = create("City CRM", "--rotate", "--rate-limit", "60")
    entries = list(AuditEntry.objects.filter(actor="fixboard create-api-key").order_by("id"))
    assert [e.action for e in entries] == ["created", "changed", "key_issued"]
    assert entries[0].changes["rate_limit_per_minute"] == [None, 30]
    assert entries[1].changes == {"rate_limit_per_minute": [30, 60]}
    hashed = ApiClient.objects.get().key_hash
    for entry in entries:
        for secret in (key, new, hashed, hash_api_key(key)):
            assert secret not in str(entry.changes)


def test_the_command_explains_a_bad_rate_limit(city):
    with pytest.raises(
        CommandError, match="rate_limit_per_minute: The rate limit must be at least"
    ):
        create("Busy app", "--rate-limit", "0")
    assert not ApiClient.objects.exists()
