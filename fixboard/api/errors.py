"""Every error as one JSON problem shape (RFC 9457 style) with errors per field."""

import functools
import math

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DomainError
from django.http import Http404
from django.http.request import RawPostDataException
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as SchemaError

from fixboard.core.limits import Limited
from fixboard.core.uploads import BODY_LIMITS, body_limit_message


class Problem(Schema):
    title: str
    status: int
    detail: str = ""
    errors: dict[str, list[str]] = {}


def problem(api: NinjaAPI, request, status: int, title: str, detail="", errors=None):
    body = {"title": title, "status": status, "detail": detail, "errors": errors or {}}
    return api.create_response(request, body, status=status)


# Names the handlers give their schema parameters (`query: Query[...]`, `payload: ...`).
WRAPPERS = {"query", "payload"}


def _field(loc) -> str:
    parts = [str(p) for p in loc[1:]]
    if parts and parts[0] in WRAPPERS:  # a handler's schema parameter, not a field
        parts = parts[1:]
    return ".".join(parts) or str(loc[0])


def schema_errors(errors: list[dict]) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for error in errors:
        fields.setdefault(_field(error.get("loc", ("body",))), []).append(error["msg"])
    return fields


def install(api: NinjaAPI) -> None:
    """Register the problem handlers on `api`."""

    @api.exception_handler(SchemaError)
    def invalid_input(request, exc):
        return problem(
            api, request, 422, _("Some values are not valid."), errors=schema_errors(exc.errors)
        )

    @api.exception_handler(DomainError)
    def refused(request, exc):
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
        return problem(api, request, 422, _("The request cannot be accepted."), errors=errors)

    @api.exception_handler(PermissionDenied)
    def forbidden(request, exc):
        return problem(api, request, 403, _("Not allowed."), str(exc))

    @api.exception_handler(RawPostDataException)
    def form_sent_to_json(request, exc):
        return problem(api, request, 400, _("Send this operation a JSON body (application/json)."))

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return problem(api, request, 404, _("Not found."), str(exc))

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request, exc):
        return problem(
            api,
            request,
            401,
            _("Authentication needed."),
            exc.message
            if exc.message != "Unauthorized"
            else _("Send an API key (X-Api-Key), or use the site's session with its CSRF token."),
        )

    @api.exception_handler(Throttled)
    def throttled(request, exc):
        response = problem(api, request, 429, _("Too many requests; try again shortly."))
        if exc.wait:
            response["Retry-After"] = str(max(1, math.ceil(exc.wait)))
        return response

    @api.exception_handler(Limited)
    def limited(request, exc):
        response = problem(api, request, 429, _("Too many requests."), exc.message)
        response["Retry-After"] = str(exc.retry_after)
        return response

    @api.exception_handler(HttpError)
    def http_error(request, exc):
        return problem(api, request, exc.status_code, str(exc.message))


def answer_body_limits(api: NinjaAPI, view):
    """`view` answering Django's limits on the body with a problem, not Django's HTML 400.

    Around the whole operation, since authentication (the CSRF check) may read the body
    before ninja's own exception handlers apply.
    """

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except BODY_LIMITS as exc:
            status = 413 if isinstance(exc, RequestDataTooBig) else 400
            return problem(api, request, status, body_limit_message(exc))

    return wrapper
