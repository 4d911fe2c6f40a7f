"""The one renderer of Open311 responses: the same data as XML or JSON, by format suffix.

Views hand over plain data (dicts, lists, strings, numbers, booleans, None) and the XML
root name. JSON follows the Spark convention: a root holding repeated elements is an
array, any other root an object. XML is built by string joins with a single regular
expression deciding whether a value needs escaping, which keeps a 1,000-request page
within a few milliseconds.
"""

import re

import orjson
from django.http import HttpResponse

FORMATS = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>'

# The element of each item of a list, after the convention of the spec's examples.
ITEM_NAMES = {
    "services": "service",
    "service_requests": "request",
    "service_request_updates": "request_update",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "notes": "note",
    "photos": "photo",
    "groups": "group",
}

# Characters XML 1.0 cannot carry at all, and the three that must be escaped.
_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_SPECIAL = re.compile("[&<>\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")


def _escape(value: str) -> str:
    if _SPECIAL.search(value) is None:
        return value
    value = _INVALID.sub("", value)
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _text(value) -> str:
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return _escape(value)
    return str(value)


_TAGS: dict[str, tuple[str, str, str]] = {}


def _tags(key: str) -> tuple[str, str, str]:
    """(<name>, </name>, <name></name>) for a data key, made a valid XML name once."""
    tags = _TAGS.get(key)
    if tags is None:
        name = key if _NAME.match(key) else "_" + re.sub(r"[^A-Za-z0-9_.-]", "_", key)
        tags = (f"<{name}>", f"</{name}>", f"<{name}></{name}>")
        if len(_TAGS) < 10_000:  # keys are field names and area kinds: a small set
            _TAGS[key] = tags
    return tags


def _element(key: str, value, out: list[str]) -> None:
    # Hot path of every XML answer: one call per dict or list, scalars written inline.
    opening, closing, empty = _tags(key)
    if isinstance(value, dict):
        out.append(opening)
        for child, item in value.items():
            if isinstance(item, str):
                tags = _tags(child)
                out.append(tags[0] + _escape(item) + tags[1])
            elif item is None:
                out.append(_tags(child)[2])
            elif isinstance(item, dict | list):
                _element(child, item, out)
            else:
                tags = _tags(child)
                out.append(tags[0] + _text(item) + tags[1])
        out.append(closing)
    elif isinstance(value, list):
        out.append(opening)
        item_name = ITEM_NAMES.get(key, "item")
        for item in value:
            _element(item_name, item, out)
        out.append(closing)
    elif value is None:
        out.append(empty)
    else:
        out.append(opening + _text(value) + closing)


def to_xml(root: str, data) -> bytes:
    """The XML document for `data` under `root`, with its declaration."""
    out = [XML_DECLARATION]
    _element(root, data, out)
    return "".join(out).encode("utf-8")


def to_json(data) -> bytes:
    return orjson.dumps(data)


def to_body(fmt: str, root: str, data) -> bytes:
    return to_xml(root, data) if fmt == "xml" else to_json(data)


def render(fmt: str, root: str, data, *, status: int = 200, headers=None) -> HttpResponse:
    """The response for `data` in `fmt` ("xml" or "json")."""
    return respond(fmt, to_body(fmt, root, data), status=status, headers=headers)


def respond(fmt: str, body: bytes, *, status: int = 200, headers=None) -> HttpResponse:
    """The response of an already rendered body."""
    response = HttpResponse(body, status=status, content_type=FORMATS[fmt])
    for name, value in (headers or {}).items():
        response[name] = value
    return response
