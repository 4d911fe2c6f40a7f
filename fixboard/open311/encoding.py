"""Refusing what would be stored as something else than the client sent, and queries longer
than any Open311 call needs.

Django reads form bodies and query strings as UTF-8 and puts U+FFFD in place of bytes
that are not: a request would then be stored with replacement characters and nobody would
know. A form body declaring another charset is refused by Django (RFC 1866: form-encoded
is UTF-8) with its own HTML page; here both become Open311 errors naming the parameter.
A multipart body's fields are decoded by Django's parser, which keeps no raw bytes: a
field holding the replacement character (U+FFFD) is refused instead, as no client means
to send it.
"""

from urllib.parse import unquote_to_bytes

from django.utils.translation import gettext as _

from .errors import Open311Error, bad_request

FORM = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"
REPLACEMENT = "\ufffd"
# 1,000 ids of 64 characters, comma-separated and URL-encoded, with room for the rest: what
# the web server in front must let through (gunicorn --limit-request-line 0, nginx's
# large_client_header_buffers; docs/install.md).
MAX_QUERY_BYTES = 128 * 1024


def check(request) -> None:
    """414 for a query string too long, 400 for a form body in another charset and for any
    parameter that is not UTF-8."""
    query = request.META.get("QUERY_STRING", "").encode("latin-1", "replace")
    if len(query) > MAX_QUERY_BYTES:
        raise Open311Error(
            414,
            _(
                "The query is %(n)d bytes long; keep it under %(m)d (ask for at most 1,000 "
                "service_request_id at once)."
            )
            % {"n": len(query), "m": MAX_QUERY_BYTES},
        )
    problems = _not_utf8(query)
    if request.method == "POST" and request.content_type == FORM:
        charset = (request.content_params.get("charset") or "utf-8").lower()
        if charset.replace("_", "-") not in ("utf-8", "utf8"):
            raise bad_request(
                _(
                    "The body declares charset=%(c)s; form-encoded bodies must be UTF-8 "
                    "(send Content-Type: application/x-www-form-urlencoded; charset=UTF-8)."
                )
                % {"c": charset}
            )
        problems += _not_utf8(request.body)
    elif request.method == "POST" and request.content_type == MULTIPART:
        problems += _replaced(request.POST)
    if problems:
        raise bad_request(*problems)


def _replaced(fields) -> list[str]:
    """A problem for each multipart field that came with bytes that are not UTF-8."""
    return [
        _("%(p)s is not UTF-8 text; encode every parameter as UTF-8.") % {"p": name}
        for name, values in fields.lists()
        if REPLACEMENT in name or any(REPLACEMENT in value for value in values)
    ]


def _not_utf8(raw: bytes) -> list[str]:
    """A problem for each name=value pair of a query string or form body that is not UTF-8."""
    if not raw:
        return []
    problems = []
    for pair in raw.split(b"&"):
        name, _sep, value = pair.replace(b"+", b" ").partition(b"=")
        name, value = unquote_to_bytes(name), unquote_to_bytes(value)
        try:
            name.decode("utf-8")
            value.decode("utf-8")
        except UnicodeDecodeError:
            shown = name.decode("utf-8", "replace")
            problems.append(
                _("%(p)s is not UTF-8 text; encode every parameter as UTF-8.") % {"p": shown}
            )
    return problems
