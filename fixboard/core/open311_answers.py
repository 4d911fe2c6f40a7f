"""Reading what Open311 servers answer, quirks included: XML or JSON, `is_array` on the
XML root, integer codes, nulls. Used by the fixture loader, the catalog's loading of
services and the CRM client."""

import json
from datetime import datetime, tzinfo
from xml.etree.ElementTree import Element, ParseError

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

# The elements whose children form a list (the spec's roots and the extensions' lists).
LISTS = {
    "services",
    "service_requests",
    "service_request_updates",
    "errors",
    "attributes",
    "values",
    "endpoints",
    "formats",
    "notes",
    "photos",
    "groups",
}


class Unreadable(ValueError):
    """Neither XML nor JSON (an HTML error page, a truncated answer, entity tricks)."""


def _from_xml(element: Element):
    children = list(element)
    if element.tag in LISTS:
        return [_from_xml(child) for child in children]
    if not children:
        return (element.text or "").strip() or None
    return {child.tag: _from_xml(child) for child in children}


def parse_answer(raw: bytes):
    """The data of an Open311 answer, XML or JSON, as JSON would give it."""
    stripped = raw.lstrip()
    try:
        if stripped.startswith(b"<"):
            if stripped[:200].lower().startswith((b"<!doctype html", b"<html")):
                raise Unreadable("an HTML page, not an Open311 answer")
            return _from_xml(ElementTree.fromstring(raw, forbid_dtd=True))
        return json.loads(raw)
    except (ParseError, DefusedXmlException, ValueError) as exc:
        if isinstance(exc, Unreadable):
            raise
        raise Unreadable(str(exc) or type(exc).__name__) from exc


def text(value) -> str:
    return "" if value is None else str(value).strip()


def flag(value) -> bool:
    return value is True or text(value).lower() in ("true", "1", "yes")


def moment(value, tz: tzinfo) -> datetime | None:
    """A datetime as servers write it: W3C with a zone, or without one (read in `tz`),
    or with a space for the T; None when empty or unreadable."""
    written = text(value)
    if not written:
        return None
    try:
        parsed = parse_datetime(written.replace(" ", "T", 1) if "T" not in written else written)
    except ValueError:
        return None
    if parsed is None:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)


def service_code(value) -> str:
    """A service (or question) code as a URL may carry it; ValueError if it cannot."""
    # Codes are strings in the spec; SeeClickFix sends integers.
    code = text(value)
    if not code or any(c in code for c in "/.?# "):
        raise ValueError(_("service code %(c)r cannot be used in a URL") % {"c": code})
    return code
