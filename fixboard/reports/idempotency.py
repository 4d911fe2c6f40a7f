"""Idempotency keys: a retried POST answers what its first try answered, in every process.

Every door that files requests for a caller (REST, Open311) hands its write to `submit_once`
with a `Claim`. The claim row is written in the write's own transaction, after the request, so
a retry finds both or neither. Concurrent duplicates meet at the unique index on (scope, key):
the second waits for the first to commit (PostgreSQL's index, SQLite's write lock), rolls its
own request back and answers the first's answer. Expired claims are deleted after each
claimed write commits.
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import orjson
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import ServiceRequest, SubmissionClaim

KEY_WINDOW = timedelta(hours=24)  # an Idempotency-Key is honoured this long
CLEANUP_BATCH = 1_000  # expired claims deleted per statement of the worker's reconcile
ATTEMPTS = 3


class StillRunning(Exception):
    """The first POST with this key has not finished (or failed) yet: retry in a moment."""


class KeyReused(ValidationError):
    """The key was already used for a different request: an error on `idempotency_key`."""

    def __init__(self):
        message = _("This key was already used for a different request; use a new key.")
        super().__init__({"idempotency_key": [message]})


@dataclass(frozen=True)
class Claim:
    scope: str  # who: "client:7", "user:3", "session:<key>"
    key: str  # "key:<Idempotency-Key>", or a door's own key
    fingerprint: str  # what was sent, hashed
    window: timedelta = KEY_WINDOW


def fingerprint(*parts) -> str:
    """A hash of what was sent: JSON-able values, and bytes (files) by their own hash."""
    digest = hashlib.sha256()
    for part in parts:
        if isinstance(part, bytes):
            digest.update(b"bytes:" + hashlib.sha256(part).digest())
        else:
            digest.update(orjson.dumps(part, option=orjson.OPT_SORT_KEYS, default=str))
        digest.update(b"\x00")
    return digest.hexdigest()


Write = Callable[[], tuple[ServiceRequest, dict]]


def submit_once(claim: Claim | None, write: Write) -> dict:
    """Run `write` (which files one request and returns it with the door's answer) once per
    claim, and return its answer, or the answer of the first call with this claim.

    Raises KeyReused when the claim's key came with a different fingerprint, StillRunning
    when the first call is neither finished nor gone after a few tries.
    """
    if claim is None:
        return write()[1]
    for _attempt in range(ATTEMPTS):
        try:
            return _write_and_claim(claim, write)
        except IntegrityError:
            # Most often the key is taken: by the POST this one repeats, which may have
            # committed while this one ran (the unique index made it wait for that).
            earlier = SubmissionClaim.objects.filter(scope=claim.scope, key=claim.key).first()
        if earlier is None:
            continue
        if earlier.expires_at <= timezone.now():
            SubmissionClaim.objects.filter(pk=earlier.pk).delete()
        elif earlier.fingerprint != claim.fingerprint:
            raise KeyReused
        else:
            return earlier.answer
    raise StillRunning(_("The first request with this key is still running; retry in a moment."))


@transaction.atomic
def _write_and_claim(claim: Claim, write: Write) -> dict:
    request, answer = write()
    now = timezone.now()
    SubmissionClaim.objects.create(
        scope=claim.scope,
        key=claim.key,
        fingerprint=claim.fingerprint,
        request=request,
        answer=answer,
        created_at=now,
        expires_at=now + claim.window,
    )
    return answer


def delete_expired_claims() -> int:
    """Delete every expired claim, a batch at a time (a worker reconcile: no POST waits on
    it); the number deleted."""
    expired = SubmissionClaim.objects.filter(expires_at__lte=timezone.now()).order_by("expires_at")
    deleted = 0
    while ids := list(expired.values_list("id", flat=True)[:CLEANUP_BATCH]):
        deleted += SubmissionClaim.objects.filter(id__in=ids).delete()[0]
    return deleted
