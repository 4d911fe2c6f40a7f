"""Sending one delivery: a signed POST of its frozen payload, its outcome recorded."""

import json
import random
from datetime import datetime, timedelta

import requests
from django.conf import settings
from django.utils import timezone

from fixboard.core.models import Outbox

from .models import WebhookDelivery
from .signing import signature


class Refused(Exception):
    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


def body_of(delivery: WebhookDelivery) -> bytes:
    return json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()


def post(delivery: WebhookDelivery) -> int:
    """POST it; the receiver's 2xx status, or Refused with why not."""
    body = body_of(delivery)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Fixboard-Webhooks/1",
        "Fixboard-Delivery": str(delivery.delivery_id),
        "Fixboard-Event": delivery.kind,
        "Fixboard-Signature": signature(delivery.subscription.secret, body),
    }
    try:
        answer = requests.post(
            delivery.subscription.target_url,
            data=body,
            headers=headers,
            timeout=settings.WEBHOOK_TIMEOUT_SECONDS,
            allow_redirects=False,  # a redirect could carry the signed body anywhere
        )
    except requests.RequestException as exc:
        raise Refused(f"{type(exc).__name__}: {exc}") from exc
    if not 200 <= answer.status_code < 300:
        raise Refused(f"HTTP {answer.status_code}: {answer.text[:200]}", answer.status_code)
    return answer.status_code


def backoff(attempts: int) -> timedelta:
    """Exponential, with full jitter so that deliveries failed together spread out."""
    base = settings.WEBHOOK_RETRY_BASE_SECONDS
    ceiling = min(base * 2 ** (attempts - 1), 6 * 3600)
    return timedelta(seconds=ceiling / 2 + random.uniform(0, ceiling / 2))


def record_failure(delivery: WebhookDelivery, exc: Refused) -> datetime | None:
    """Count a failed attempt; when to try again, or None once given up (dead letter)."""
    delivery.attempts += 1
    delivery.last_error = str(exc)[:2000]
    delivery.last_status = exc.status
    if delivery.attempts >= delivery.subscription.max_attempts:
        delivery.state, delivery.next_attempt_at = Outbox.State.FAILED, None
    else:
        delivery.next_attempt_at = timezone.now() + backoff(delivery.attempts)
    delivery.lease_until = None
    delivery.save(
        update_fields=[
            "attempts",
            "last_error",
            "last_status",
            "state",
            "next_attempt_at",
            "lease_until",
        ]
    )
    return delivery.next_attempt_at
