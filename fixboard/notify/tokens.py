"""Signed values in the links of e-mails (django.core.signing: HMAC with SECRET_KEY and a salt).

Each purpose has its own salt, so a link made for one purpose never works for another.
"""

from datetime import timedelta

from django.core import signing

CONFIRM_MAX_AGE = timedelta(days=14)
SIGN_IN_MAX_AGE = timedelta(minutes=30)
FOLLOW_MAX_AGE = timedelta(days=2)
COMMENT_MAX_AGE = timedelta(days=7)
FIXED_CHECK_MAX_AGE = timedelta(days=30)

_SALTS = {
    "confirm": "fixboard.notify.confirm-request",
    "watch": "fixboard.notify.confirm-watch",
    "follow": "fixboard.notify.confirm-follow",
    "sign_in": "fixboard.notify.sign-in",
    "unsubscribe": "fixboard.notify.unsubscribe",
    "comment": "fixboard.notify.confirm-comment",
    "fixed": "fixboard.notify.fixed-check",
}


class BadLink(Exception):
    """The link was altered, cut short or made for something else."""


class ExpiredLink(BadLink):
    """The link was genuine but is too old."""


def make(purpose: str, payload: dict) -> str:
    """A URL-safe signed token carrying `payload`."""
    return signing.dumps(payload, salt=_SALTS[purpose], compress=True)


def read(purpose: str, token: str, *, max_age: timedelta | None = None) -> dict:
    """The payload of a token made by `make(purpose, ...)`; raises BadLink or ExpiredLink."""
    try:
        payload = signing.loads(token, salt=_SALTS[purpose], max_age=max_age)
    except signing.SignatureExpired as exc:
        raise ExpiredLink(str(exc)) from exc
    except signing.BadSignature as exc:
        raise BadLink(str(exc)) from exc
    if not isinstance(payload, dict):
        raise BadLink("unexpected payload")
    return payload
