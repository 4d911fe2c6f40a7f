"""Upgrading moves the idempotency keys still honoured to reports' claims."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from fixboard.accounts.apikeys import issue_api_key
from tests.factories import make_city, submit_pothole

BEFORE = [("open311", "0002_submission_holds_its_request")]
AFTER = [("open311", "0003_claims_move_to_reports")]
ANSWER = {"service_notice": None, "account_id": "acct-9"}


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_live_keys_become_claims_and_expired_ones_are_dropped():
    city = make_city()
    client, _key = issue_api_key(name="CRM", jurisdiction_slugs=[])
    requests = [submit_pothole(city, description=f"hole {n}") for n in range(3)]
    now = timezone.now()
    apps = _migrate(BEFORE)
    try:
        Submission = apps.get_model("open311", "Submission")
        for request, key, age, token in [
            (requests[0], "key:abc", timedelta(hours=23), ""),
            (requests[1], "fp:hash-1", timedelta(minutes=5), "tok-1"),
            (requests[2], "fp:hash-2", timedelta(minutes=11), ""),  # no longer a repeat
        ]:
            Submission.objects.create(
                client_id=client.pk,
                jurisdiction_id=city.jurisdiction.pk,
                request_id=request.pk,
                key=key,
                fingerprint=f"sent-{request.pk}",
                token=token,
                account_id="acct-9",
                created_at=now - age,
            )
    finally:
        apps = _migrate(AFTER)

    claims = apps.get_model("reports", "SubmissionClaim").objects.order_by("key")
    assert [(c.scope, c.key, c.fingerprint, c.request_id, c.answer) for c in claims] == [
        (
            f"client:{client.pk}",
            "fp:hash-1",
            f"sent-{requests[1].pk}",
            requests[1].pk,
            {"token": "tok-1"} | ANSWER,
        ),
        (
            f"client:{client.pk}",
            "key:abc",
            f"sent-{requests[0].pk}",
            requests[0].pk,
            {"service_request_id": requests[0].public_id} | ANSWER,
        ),
    ]
    assert claims.get(key="key:abc").expires_at == now + timedelta(hours=1)
    assert apps.get_model("open311", "Submission").objects.count() == 3
