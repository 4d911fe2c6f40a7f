"""What this browser did, kept in its session: the requests it reported or follows."""

MINE = "fixboard_mine"
ASKED = "fixboard_follow_asked"
LIMIT = 200


def remember_mine(request, public_id: str) -> None:
    """Mark a request as reported or followed from this browser."""
    mine = [p for p in request.session.get(MINE, []) if p != public_id]
    request.session[MINE] = [public_id, *mine][:LIMIT]


def is_mine(request, public_id: str) -> bool:
    return public_id in request.session.get(MINE, [])


def session_key(request) -> str:
    """This browser's session key, starting a session if there is none yet."""
    if not request.session.session_key:
        request.session.save()
    return request.session.session_key


def remember_follow_asked(request, public_id: str, email: str) -> None:
    """Note the address this browser asked to follow a request with (confirmed elsewhere)."""
    asked = [a for a in request.session.get(ASKED, []) if a[0] != public_id]
    request.session[ASKED] = [[public_id, email], *asked][:LIMIT]


def follow_asked_with(request, public_id: str) -> str:
    """The e-mail this browser asked to follow the request with, or ""."""
    return next((e for p, e in request.session.get(ASKED, []) if p == public_id), "")
