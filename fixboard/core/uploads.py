"""Django's limits on one request body (settings.DATA_UPLOAD_*), in words a client can act on.

Django refuses such a body with its own HTML 400; the API and Open311 answer in their formats.
"""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.utils.translation import gettext as _

BODY_LIMITS = (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent)


def body_limit_message(exc: Exception) -> str:
    """What was over which limit, for one of BODY_LIMITS."""
    if isinstance(exc, TooManyFilesSent):
        return _("The request has more than %(n)d files; send fewer.") % {
            "n": settings.DATA_UPLOAD_MAX_NUMBER_FILES
        }
    if isinstance(exc, TooManyFieldsSent):
        return _("The request has more than %(n)d fields; send fewer.") % {
            "n": settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
        }
    return _("The request is over %(n)d bytes, files apart; send less text.") % {
        "n": settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    }
