"""What the site's own scripts need before they write: the CSRF token."""

from django.middleware.csrf import get_token
from django.views.decorators.csrf import ensure_csrf_cookie
from ninja import Router, Schema
from ninja.decorators import decorate_view

router = Router(tags=["session"])


class CsrfOut(Schema):
    csrf_token: str


@router.get("/csrf", response=CsrfOut)
@decorate_view(ensure_csrf_cookie)
def csrf(request):
    """Set the CSRF cookie and return its token, for scripts of this site that write.

    Send the token back as the X-CSRFToken header with the session cookie.
    """
    return {"csrf_token": get_token(request)}
