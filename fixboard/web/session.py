"""What this browser did, kept in its session: the requests it reported or follows."""

from datetime import datetime

from django.utils import timezone

MINE = "fixboard_mine"
ASKED = "fixboard_follow_asked"
COMMENTS = "fixboard_comments"
LIMIT = 200


def remember_mine(request, public_id: str) -> None:
    """Mark a request as reported or followed from this browser."""
    mine = [p for p in request.session.get(MINE, []) if p != public_id]
    request.session[MINE] = [public_id, *mine][:LIMIT]


def is_mine(request, public_id: str) -> bool:
    return public_id in request.session.get(MINE, [])


def remember_follow_asked(request, public_id: str, email: str) -> None:
    """Note the address this browser asked to follow a request with (confirmed elsewhere)."""
    asked = [a for a in request.session.get(ASKED, []) if a[0] != public_id]
    request.session[ASKED] = [[public_id, email, timezone.now().isoformat()], *asked][:LIMIT]


def follow_asked_with(request, public_id: str) -> tuple[str, datetime | None]:
    """The e-mail this browser asked to follow the request with, and when; ("", None) if none."""
    for asked_id, email, at in request.session.get(ASKED, []):
        if asked_id == public_id:
            return email, datetime.fromisoformat(at)
    return "", None


def remember_comment(request, comment_id: int) -> None:
    """Note a comment written from this browser: it shows here while awaiting confirmation."""
    request.session[COMMENTS] = [comment_id, *request.session.get(COMMENTS, [])][:LIMIT]


def my_comments(request) -> list[int]:
    return request.session.get(COMMENTS, [])
