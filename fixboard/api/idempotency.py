"""Idempotency-Key for reports: a retried POST (flaky mobile network) answers the first result.

Kept 24 hours in Django's cache (Redis in production, so every web process agrees). `cache.add`
is atomic, so of two concurrent identical POSTs one runs and the other gets a 409.
"""

import hashlib
from collections.abc import Callable

from django.core.cache import cache
from django.utils.translation import gettext as _
from ninja.errors import HttpError

from .auth import Caller

TTL_SECONDS = 24 * 60 * 60
PENDING = "pending"


def _scope(request, caller: Caller) -> str:
    if caller.client or caller.user:
        return str(caller)
    return f"session:{request.session.session_key}" if request.session.session_key else ""


def once(request, key: str | None, run: Callable[[], dict]) -> dict:
    """`run()`'s result, or the saved result of the first call with the same key and caller."""
    scope = _scope(request, request.auth)
    if not key or not scope:
        return run()
    cache_key = "api-idempotency:" + hashlib.sha256(f"{scope}\n{key}".encode()).hexdigest()
    if not cache.add(cache_key, PENDING, TTL_SECONDS):
        saved = cache.get(cache_key)
        if isinstance(saved, dict):
            return saved
        raise HttpError(409, _("The first request with this Idempotency-Key is still running."))
    try:
        result = run()
    except Exception:
        cache.delete(cache_key)  # nothing was created: a retry may try again
        raise
    cache.set(cache_key, result, TTL_SECONDS)
    return result
