"""Open311 test helpers: API keys, and every answer checked against the public schemas.

`check_json` validates a JSON answer twice: against open311/schema-validation's JSON
Schemas (schemas/*.json) and against its swagger.json. The swagger has two quirks we
bridge here: it names the single-request path `/request/{id}` (the spec: `/requests/{id}`)
and describes that answer and the token answer as one object where the spec returns an
array; and Swagger 2.0 cannot say "or null", so nulls count as absent for it.
"""

import json
import re
from datetime import datetime
from pathlib import Path
from urllib.parse import urlparse
from xml.etree import ElementTree

import jsonschema
import pytest
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from fixboard.accounts.apikeys import issue_api_key

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
SCHEMAS = SHARED / "open311" / "schemas"
FIXTURES = SHARED / "open311" / "fixtures"
PHOTOS = SHARED / "data" / "photos"

W3C = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
FORMATS = jsonschema.FormatChecker()


@FORMATS.checks("date-time")
def _w3c(value) -> bool:
    # The spec's W3C profile: stricter than RFC 3339, the timezone is always there.
    if not isinstance(value, str):
        return True  # formats concern strings; "type" judges the rest
    if not W3C.match(value):
        return False
    datetime.fromisoformat(value.replace("Z", "+00:00"))
    return True


@FORMATS.checks("uri")
def _uri(value) -> bool:
    if not isinstance(value, str):
        return True
    parsed = urlparse(value)
    return parsed.scheme in ("http", "https") and bool(parsed.netloc)


def _load(name: str) -> dict:
    return json.loads((SCHEMAS / name).read_text())


REGISTRY = Registry().with_resources(
    (p.name, Resource.from_contents(json.loads(p.read_text()), default_specification=DRAFT7))
    for p in SCHEMAS.glob("*.json")
)
SWAGGER = _load("swagger.json")

# Schemas the public files lack: written from the Service Discovery page, the spec's
# Errors section and mySociety's servicerequestupdates specification.
DISCOVERY = {
    "type": "object",
    "required": ["changeset", "contact", "key_service", "endpoints"],
    "properties": {
        "changeset": {"type": "string", "format": "date-time"},
        "contact": {"type": "string"},
        "key_service": {"type": "string"},
        "endpoints": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["specification", "url", "changeset", "type", "formats"],
                "properties": {
                    "specification": {"type": "string", "format": "uri"},
                    "url": {"type": "string", "format": "uri"},
                    "changeset": {"type": "string", "format": "date-time"},
                    "type": {"enum": ["production", "test"]},
                    "formats": {
                        "type": "array",
                        "items": {"enum": ["text/xml", "application/json"]},
                    },
                },
            },
        },
    },
}
ERRORS = {
    "type": "array",
    "minItems": 1,
    "items": {
        "type": "object",
        "required": ["code", "description"],
        "properties": {"code": {"type": "integer"}, "description": {"type": "string"}},
    },
}
EXTENDED_STATUSES = [
    "open",
    "closed",
    "fixed",
    "in_progress",
    "action_scheduled",
    "investigating",
    "duplicate",
    "not_councils_responsibility",
    "no_further_action",
    "internal_referral",
    "cancelled",
    "reopen",
    "for_triage",
]
UPDATES = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["update_id", "service_request_id", "status", "updated_datetime"],
        "properties": {
            "update_id": {"type": "string"},
            "service_request_id": {"type": "string"},
            "status": {"enum": EXTENDED_STATUSES},
            "updated_datetime": {"type": "string", "format": "date-time"},
            "description": {"type": ["string", "null"]},
            "media_url": {"type": ["string", "null"], "format": "uri"},
            "external_status_code": {"type": ["string", "null"]},
        },
    },
}
POSTED_UPDATES = {
    "type": "array",
    "minItems": 1,
    "items": {
        "type": "object",
        "required": ["update_id"],
        "properties": {"update_id": {"type": "string"}},
    },
}


def _validate(schema: dict, data, registry: Registry = REGISTRY) -> None:
    validator = jsonschema.Draft7Validator(schema, registry=registry, format_checker=FORMATS)
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])


def _without_nulls(data):
    if isinstance(data, dict):
        return {k: _without_nulls(v) for k, v in data.items() if v is not None}
    if isinstance(data, list):
        return [_without_nulls(v) for v in data]
    return data


def _swagger(path: str, method: str, status: int = 200) -> dict | None:
    operation = SWAGGER["paths"].get(path, {}).get(method)
    if operation is None:
        return None
    schema = operation["responses"][str(status)]["schema"]
    return {**schema, "definitions": SWAGGER["definitions"]}


def check_json(resource: str, data, *, method: str = "get", error: bool = False) -> None:
    """Validate an answer of `resource` ("services", "service", "requests", "request",
    "post", "token", "discovery", "updates", "posted_updates") or an error body."""
    if error:
        _validate(ERRORS, data)
        return
    files = {
        "services": "services.json",
        "service": "service-definition.json",
        "requests": "requests.json",
        "request": "requests.json",
    }
    local = {
        "discovery": DISCOVERY,
        "updates": UPDATES,
        "posted_updates": POSTED_UPDATES,
    }
    if resource in files:
        _validate(_load(files[resource]), data)
    if resource in local:
        _validate(local[resource], data)
    swagger_paths = {
        "services": ("/services.{response_format}", False),
        "service": ("/services/{service_code}.{response_format}", False),
        "requests": ("/requests.{response_format}", False),
        "post": ("/requests.{response_format}", False),
        # The swagger's singular path, and one object where the spec returns an array.
        "request": ("/request/{service_request_id}.{response_format}", True),
        "token": ("/tokens/{token_id}.{response_format}", True),
    }
    if resource in swagger_paths:
        path, per_item = swagger_paths[resource]
        schema = _swagger(path, "post" if resource == "post" else method)
        assert schema is not None, f"no swagger operation for {resource}"
        assert isinstance(data, list) or not per_item
        for item in data if per_item else [data]:
            # POST answers are held to the letter: their optional fields have no null.
            _validate(schema, item if resource == "post" else _without_nulls(item), Registry())


def check_xml(body: bytes, root: str, item: str | None = None) -> ElementTree.Element:
    """Parse an XML answer: declaration, root element and (if given) its children's name."""
    assert body.startswith(b'<?xml version="1.0" encoding="utf-8"?>'), body[:60]
    tree = ElementTree.fromstring(body)
    assert tree.tag == root, tree.tag
    assert not tree.attrib
    if item is not None:
        assert all(child.tag == item for child in tree), [c.tag for c in tree]
    return tree


def xml_records(tree: ElementTree.Element) -> list[dict]:
    """The children of each item as {tag: text or ""} (one level)."""
    return [{child.tag: child.text or "" for child in item} for item in tree]


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Rate-limit counters live in the cache; each test starts with none.
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def api_client_key(city):
    """(client, key) allowed to post to the test city."""
    return issue_api_key(
        name="Test app", jurisdiction_slugs=[city.jurisdiction.slug], rate_limit_per_minute=10_000
    )


@pytest.fixture
def api_key(api_client_key) -> str:
    return api_client_key[1]
