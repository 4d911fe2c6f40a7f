"""Idempotency-Key for reports: a retried POST (flaky mobile network) answers the first result.

The claim is kept in the database with the request (`reports.idempotency`), so every web
process agrees; a concurrent retry waits for the first to finish and answers its result.
"""

from django.utils.translation import gettext as _
from ninja.errors import HttpError

from fixboard.reports import idempotency

from .auth import Caller
from .schemas import SubmitIn


def _scope(request, caller: Caller) -> str:
    if caller.client or caller.user:
        return str(caller)
    return f"session:{request.session.session_key}" if request.session.session_key else ""


def once(
    request,
    key: str | None,
    payload: SubmitIn,
    photos: list[tuple[bytes, str]],
    write: idempotency.Write,
) -> dict:
    """`write()`'s answer, or the answer of the first call with the same key and caller.

    The same key with another payload or other photos is a 422 on `idempotency_key`.
    """
    scope = _scope(request, request.auth)
    claim = None
    if key and scope:
        sent = idempotency.fingerprint(payload.model_dump(mode="json"), *(d for d, _n in photos))
        claim = idempotency.Claim(scope=scope, key=f"key:{key}", fingerprint=sent)
    try:
        return idempotency.submit_once(claim, write)
    except idempotency.StillRunning:
        raise HttpError(
            409, _("The first request with this Idempotency-Key is still running.")
        ) from None
