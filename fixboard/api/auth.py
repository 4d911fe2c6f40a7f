"""Who is calling: an app with an API key, or a browser with its session (CSRF-checked).

Every write operation takes `auth=WRITERS`; `request.auth` is then a Caller. Reads need
no authentication.
"""

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, HttpError
from ninja.security import APIKeyCookie, APIKeyHeader, HttpBearer
from ninja.throttling import BaseThrottle
from ninja.utils import check_csrf

from fixboard.accounts import apikeys
from fixboard.accounts.models import ApiClient, User
from fixboard.core import limits


@dataclass(frozen=True)
class Caller:
    """The authenticated party of a write: exactly one of client / user / anonymous browser."""

    client: ApiClient | None = None
    user: User | None = None

    @property
    def is_browser(self) -> bool:
        return self.client is None

    def __str__(self) -> str:
        if self.client:
            return f"client:{self.client.pk}"
        return f"user:{self.user.pk}" if self.user else "anonymous browser"


def _caller_for_key(key: str | None) -> Caller | None:
    if not key:
        return None
    client = apikeys.client_for_key(key)
    if client is None:
        raise AuthenticationError(401, _("This API key is unknown or no longer active."))
    return Caller(client=client)


class ApiKey(APIKeyHeader):
    """`X-Api-Key: <key>`, checked against the hashed keys of active API clients."""

    param_name = "X-Api-Key"

    def authenticate(self, request, key):
        return _caller_for_key(key)


class BearerToken(HttpBearer):
    """`Authorization: Bearer <key>`: the same API key, for clients that prefer the header."""

    def authenticate(self, request, token):
        return _caller_for_key(token)


class BrowserSession(APIKeyCookie):
    """The browser's session, signed in or not; the CSRF token is always required."""

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self):
        super().__init__(csrf=True)

    def _get_key(self, request):
        if not request.content_type.startswith("multipart/"):
            # The CSRF check may read request.POST; keep the raw body for the JSON parser.
            request.body  # noqa: B018
        if check_csrf(request):
            raise HttpError(403, _("The CSRF token is missing or wrong; reload the page."))
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request, key):
        if request.user.is_authenticated:
            return Caller(user=request.user)
        return Caller()


WRITERS = [ApiKey(), BearerToken(), BrowserSession()]


class _SharedThrottle(BaseThrottle):
    """A throttle counted in the store every process shares (fixboard.core.limits)."""

    retry_after = 0

    def usage(self, request, caller: Caller) -> limits.Usage | None:
        raise NotImplementedError

    def allow_request(self, request) -> bool:
        caller = getattr(request, "auth", None)
        usage = self.usage(request, caller) if isinstance(caller, Caller) else None
        if usage is None or usage.allowed:
            return True
        # ninja asks wait() right after; a thread's request in between only changes the
        # Retry-After given.
        self.retry_after = usage.retry_after
        return False

    def wait(self) -> float:
        return self.retry_after


class BrowserWriteThrottle(_SharedThrottle):
    """Writes from one browser (per account, else per address): a brake on spam."""

    def usage(self, request, caller):
        rate = settings.RATE_LIMITS.get("api", {}).get("address")
        if not caller.is_browser or not rate:
            return None
        ident = f"user:{caller.user.pk}" if caller.user else limits.client_address(request)
        return limits.take(request, "api.address", ident, rate)


class ClientThrottle(_SharedThrottle):
    """An API client's own per-minute limit (ApiClient.rate_limit_per_minute)."""

    def usage(self, request, caller):
        if caller.client is None:
            return None
        return apikeys.take_rate_limit(caller.client)


WRITE_THROTTLES = [BrowserWriteThrottle(), ClientThrottle()]
