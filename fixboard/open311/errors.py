"""Open311 errors: an HTTP status and one or more (code, description) pairs.

The spec wants 404 for a resource that does not exist, 403 for a missing or wrong
api_key and 400 for anything else; the body lists every problem found, so a client can
fix them all at once. Domain ValidationErrors become one error per field and message.
"""

from django.core.exceptions import ValidationError


class Open311Error(Exception):
    """Raised anywhere in a view; the view wrapper renders it in the requested format."""

    def __init__(self, status: int, *descriptions: str, headers: dict | None = None):
        super().__init__("; ".join(descriptions))
        self.status = status
        self.errors = [(status, d) for d in descriptions]
        self.headers = headers or {}

    def as_data(self) -> list[dict]:
        return [{"code": code, "description": text} for code, text in self.errors]


def bad_request(*descriptions: str) -> Open311Error:
    return Open311Error(400, *descriptions)


def not_found(description: str) -> Open311Error:
    return Open311Error(404, description)


def forbidden(description: str) -> Open311Error:
    return Open311Error(403, description)


# Domain field names as Open311 clients know them.
FIELD_NAMES = {
    "location": "lat/long",
    "text": "description",
    "note": "description",
    "idempotency_key": "Idempotency-Key",
}


def from_validation_error(exc: ValidationError) -> Open311Error:
    """A 400 listing each field's messages as "field: message"."""
    if not hasattr(exc, "error_dict"):
        return bad_request(*exc.messages)
    descriptions = []
    for field, messages in exc.message_dict.items():
        name = FIELD_NAMES.get(field, field)
        for message in messages:
            descriptions.append(message if field == "__all__" else f"{name}: {message}")
    return bad_request(*descriptions)
