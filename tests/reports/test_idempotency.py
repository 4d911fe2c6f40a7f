"""Idempotency claims: one request per caller and key, the same answer, expired claims gone."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from fixboard.reports.idempotency import (
    Claim,
    KeyReused,
    delete_expired_claims,
    fingerprint,
    submit_once,
)
from fixboard.reports.models import ServiceRequest, SubmissionClaim
from tests.factories import submit_pothole

pytestmark = pytest.mark.django_db


def writer(city, description="A pothole in the right lane"):
    def write():
        request = submit_pothole(city, description=description)
        return request, {"id": request.public_id}

    return write


def claim(body="A pothole", key="key:k1", scope="client:1") -> Claim:
    return Claim(scope=scope, key=key, fingerprint=fingerprint({"description": body}))


def test_a_claimed_write_runs_once_and_answers_the_first_answer(city):
    first = submit_once(claim(), writer(city))
    again = submit_once(claim(), writer(city))

    assert again == first
    assert ServiceRequest.objects.get().public_id == first["id"]
    assert SubmissionClaim.objects.get().answer == first


def test_the_same_key_with_another_body_is_refused(city):
    submit_once(claim(), writer(city))

    with pytest.raises(KeyReused) as refused:
        submit_once(claim(body="Another pothole"), writer(city, "Another pothole"))
    assert isinstance(refused.value, ValidationError)
    assert (
        "already used for a different request" in refused.value.message_dict["idempotency_key"][0]
    )
    assert ServiceRequest.objects.count() == 1


def test_a_failed_write_keeps_no_claim(city):
    with pytest.raises(ValidationError):
        submit_once(claim(), writer(city, "x" * 10_000))

    assert not SubmissionClaim.objects.exists()
    assert submit_once(claim(), writer(city))["id"] == ServiceRequest.objects.get().public_id


def test_an_expired_key_is_free_again(city):
    first = submit_once(claim(), writer(city))
    SubmissionClaim.objects.update(expires_at=timezone.now())

    later = submit_once(claim(), writer(city))

    assert later != first
    assert ServiceRequest.objects.count() == 2
    assert SubmissionClaim.objects.get().answer == later


def test_the_workers_reconcile_deletes_expired_claims(city, settings):
    submit_once(claim(key="key:old"), writer(city))
    submit_once(claim(key="key:recent"), writer(city))
    SubmissionClaim.objects.filter(key="key:old").update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    submit_once(claim(key="key:new"), writer(city))
    assert "fixboard.reports.idempotency.delete_expired_claims" in settings.WORKER_RECONCILERS

    assert delete_expired_claims() == 1

    assert sorted(SubmissionClaim.objects.values_list("key", flat=True)) == [
        "key:new",
        "key:recent",
    ]
