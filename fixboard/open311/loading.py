"""Load another Open311 server's answers as a jurisdiction's configuration and requests.

Reads what real servers send, quirks included: XML or JSON, integer codes, nulls,
`is_array` on the XML root, missing time zones, 0,0 for "no location", empty
`updated_datetime`. Service types and their questions are written through the catalog's
domain functions (validated, on the audit log as LOADER); requests through the bulk import
path (`reports.importing`), keyed by the source's `service_request_id`, so loading the same
answer again updates instead of duplicating, and the map counts are rebuilt after it as
after any import.
"""

import math
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from fixboard.catalog.actions import save_service_type
from fixboard.catalog.models import AttributeDefinition, ServiceType, SlaUnit
from fixboard.core.commands import describe_validation_error
from fixboard.core.open311_answers import Unreadable, parse_answer
from fixboard.places.models import Jurisdiction
from fixboard.reports.importing import ImportResult
from fixboard.reports.importing.batch import BatchWriter
from fixboard.reports.importing.catalog import Service
from fixboard.reports.importing.indexes import refresh_statistics
from fixboard.reports.importing.rows import Row
from fixboard.reports.importing.signals import requests_imported
from fixboard.reports.models import Channel, Status

from .statuses import target_of

BATCH = 5000
# Who the audit log says changed the catalog.
LOADER = "fixboard load-open311-fixture"


def read_answer(path: Path):
    """The data of a saved Open311 answer, .json or .xml, as JSON would give it."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ValidationError(
            {"file": [_("Cannot read %(p)s: %(e)s") % {"p": path, "e": exc.strerror}]}
        ) from exc
    try:
        return parse_answer(raw)
    except Unreadable as exc:
        raise ValidationError(
            {"file": [_("%(p)s is neither readable XML nor JSON: %(e)s") % {"p": path, "e": exc}]}
        ) from exc


def kind_of(data) -> str:
    """ "services", "definition" or "requests": what an answer holds."""
    if isinstance(data, dict) and "attributes" in data:
        return "definition"
    items = data if isinstance(data, list) else []
    if items and all(isinstance(i, dict) and "service_request_id" in i for i in items):
        return "requests"
    if items and all(isinstance(i, dict) and "service_name" in i for i in items):
        return "services"
    raise ValidationError({"file": [_("This is not a services, definition or requests answer.")]})


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def _flag(value) -> bool:
    return value is True or _text(value).lower() in ("true", "1", "yes")


def _code(value) -> str:
    # Codes are strings in the spec; SeeClickFix sends integers.
    code = _text(value)
    if not code or any(c in code for c in "/.?# "):
        raise ValueError(_("service code %(c)r cannot be used in a URL") % {"c": code})
    return code


@dataclass
class ServicesResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def _service_defaults(item: dict) -> dict:
    kind = _text(item.get("type")).lower()
    return {
        "name": _text(item.get("service_name"))[:200],
        "description": _text(item.get("description")),
        "group": _text(item.get("group"))[:200],
        "keywords": _text(item.get("keywords"))[:500],
        "type": kind if kind in ServiceType.Type.values else ServiceType.Type.REALTIME,
    }


def _saved_service(jurisdiction, code: str, data: dict, found: ServiceType | None):
    """The service type `code` created or changed, or the reason it cannot be."""
    try:
        if found is None:
            data = {"jurisdiction": jurisdiction, "code": code, **data}
        return save_service_type(actor=LOADER, data=data, service_type=found)
    except ValidationError as exc:
        return _("service %(c)s: %(e)s") % {"c": code, "e": describe_validation_error(exc)}


@transaction.atomic
def load_services(*, jurisdiction: Jurisdiction, services: list[dict]) -> ServicesResult:
    """Create or update the jurisdiction's service types from a services answer."""
    result = ServicesResult()
    existing = {s.code: s for s in ServiceType.objects.filter(jurisdiction=jurisdiction)}
    for number, item in enumerate(services, start=1):
        try:
            code = _code(item.get("service_code"))
        except ValueError as exc:
            result.skipped.append(_("service %(n)d: %(e)s") % {"n": number, "e": exc})
            continue
        defaults = _service_defaults(item)
        if not defaults["name"]:
            result.skipped.append(_("service %(c)s has no name") % {"c": code})
            continue
        found = existing.get(code)
        saved = _saved_service(jurisdiction, code, defaults, found)
        if isinstance(saved, str):
            result.skipped.append(saved)
            continue
        existing[code] = saved
        (result.updated if found else result.created).append(code)
    return result


def _questions(attributes: list[dict]) -> list[dict]:
    orders = [a.get("order") for a in attributes]
    numbers = [int(o) if _text(o).isdigit() else 0 for o in orders]
    # The spec wants distinct positive orders; mySociety's server-set fields all say 0.
    if 0 in numbers or len(set(numbers)) != len(numbers):
        numbers = list(range(1, len(attributes) + 1))
    questions = []
    for order, item in zip(numbers, attributes, strict=True):
        datatype = _text(item.get("datatype")).lower()
        values = item.get("values") or []
        questions.append(
            {
                "code": _code(item.get("code")),
                "description": _text(item.get("description"))[:500],
                "datatype": datatype
                if datatype in AttributeDefinition.Datatype.values
                else AttributeDefinition.Datatype.STRING,
                "datatype_description": _text(item.get("datatype_description"))[:300],
                "required": _flag(item.get("required")),
                "variable": _flag(item.get("variable", True)),
                "order": order,
                "values": [
                    {"key": _text(v.get("key")), "name": _text(v.get("name"))}
                    for v in values
                    if isinstance(v, dict)
                ],
            }
        )
    return questions


@transaction.atomic
def load_definition(*, jurisdiction: Jurisdiction, definition: dict) -> ServiceType:
    """Set a service type's questions from its service definition answer."""
    code = _code(definition.get("service_code"))
    service = ServiceType.objects.filter(jurisdiction=jurisdiction, code=code).first()
    if service is None:
        raise ValidationError(
            {"service_code": [_("Load the services first: no service %(c)s.") % {"c": code}]}
        )
    try:
        questions = _questions(definition.get("attributes") or [])
    except ValueError as exc:
        raise ValidationError({"attributes": [str(exc)]}) from exc
    return save_service_type(actor=LOADER, data={}, questions=questions, service_type=service)


def _when(value, tz: zoneinfo.ZoneInfo) -> datetime | None:
    text = _text(value)
    if not text:
        return None
    parsed = parse_datetime(text.replace(" ", "T", 1) if "T" not in text else text)
    if parsed is None:
        raise ValueError(_("unreadable date %(d)r") % {"d": text})
    # The import path takes UTC, as its own CSV parser produces.
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)).astimezone(UTC)


def _point(item: dict) -> tuple[float | None, float | None]:
    try:
        lat, long = float(item.get("lat")), float(item.get("long"))
    except (TypeError, ValueError):
        return None, None
    if not (math.isfinite(lat) and math.isfinite(long)) or (lat == 0 and long == 0):
        return None, None
    return lat, long


def _status(value) -> tuple[str, str]:
    target = target_of(_text(value) or "open")
    if target is None or not target.status or target.reopen_only:
        return Status.NEW, ""
    if target.status == Status.CLOSED and _text(value).lower() == "closed":
        return Status.CLOSED, ""  # the source did not say why
    return target.status, target.close_reason


def _service_key(code: str) -> str:
    # How rows name their service to the import's catalog: by code, in a form no
    # service name can take (two services of a city may share a name, never a code).
    return f"\0open311 code {code}".casefold()


def _row(number: int, item: dict, names: dict[str, str], tz) -> Row:
    code = _code(item.get("service_code"))
    if code not in names:
        raise KeyError(code)
    requested = _when(item.get("requested_datetime"), tz)
    if requested is None:
        raise ValueError(_("no requested_datetime"))
    status, reason = _status(item.get("status"))
    updated = _when(item.get("updated_datetime"), tz) or requested
    closed = updated if status == Status.CLOSED else None
    lat, long = _point(item)
    return Row(
        number=number,
        source_id=_text(item.get("service_request_id"))[:64],
        service_name=_service_key(code),
        group="",
        requested_at=requested,
        updated_at=max(updated, requested),
        closed_at=closed,
        status=status,
        close_reason=reason,
        lat=lat,
        long=long,
        address=_text(item.get("address"))[:300],
        zipcode=_text(item.get("zipcode"))[:20],
        description=_text(item.get("description")),
        channel=Channel.IMPORT,
        department=_text(item.get("agency_responsible"))[:200],
        status_notes=_text(item.get("status_notes")),
        media_url=_text(item.get("media_url"))[:500],
        address_id=_text(item.get("address_id"))[:100],
    )


def _catalog_for(jurisdiction: Jurisdiction, requests: list[dict], tz) -> dict[str, str]:
    """{code: name} of the requests' service types, creating missing ones with their code,
    and setting the SLA of types whose requests all carry the same expected delay."""
    existing = {s.code: s for s in ServiceType.objects.filter(jurisdiction=jurisdiction)}
    names = {code: service.name for code, service in existing.items()}
    delays: dict[str, set] = defaultdict(set)
    for item in requests:
        try:
            code = _code(item.get("service_code"))
            requested = _when(item.get("requested_datetime"), tz)
            expected = _when(item.get("expected_datetime"), tz)
        except ValueError:
            continue
        if code not in names and _text(item.get("service_name")):
            saved = _saved_service(
                jurisdiction, code, {"name": _text(item["service_name"])[:200]}, None
            )
            if not isinstance(saved, str):  # else its requests are skipped: unknown service
                existing[code] = saved
                names[code] = saved.name
        if requested and expected:
            delays[code].add(expected - requested)
    for code, found in delays.items():
        hours = next(iter(found)).total_seconds() / 3600
        if len(found) == 1 and hours > 0 and hours.is_integer() and code in existing:
            save_service_type(
                actor=LOADER,
                data={"sla_value": int(hours), "sla_unit": SlaUnit.CALENDAR_HOURS},
                service_type=existing[code],
            )
    return names


def load_requests(*, jurisdiction: Jurisdiction, requests: list[dict]) -> ImportResult:
    """Import a requests answer; records that cannot be used are skipped with the reason."""
    tz = zoneinfo.ZoneInfo(jurisdiction.timezone)
    result = ImportResult()
    names = _catalog_for(jurisdiction, requests, tz)
    rows = []
    for number, item in enumerate(requests, start=1):
        try:
            row = _row(number, item, names, tz)
        except (ValueError, KeyError) as exc:
            reason = _("unknown service") if isinstance(exc, KeyError) else _("unusable record")
            result.skip(reason, number, _("record %(n)d: %(e)s") % {"n": number, "e": exc})
            continue
        if not row.source_id:
            result.skip(_("no service_request_id"), number, _("record %(n)d") % {"n": number})
            continue
        rows.append(row)
    writer = BatchWriter(jurisdiction, result)
    writer.catalog.actor = LOADER
    for pk, code, value, unit in ServiceType.objects.filter(jurisdiction=jurisdiction).values_list(
        "id", "code", "sla_value", "sla_unit"
    ):
        writer.catalog.services[_service_key(code)] = Service(pk, value, unit)
    for start in range(0, len(rows), BATCH):
        writer.write(rows[start : start + BATCH])
    # Records with an address but no point are placed once every point has fed the index.
    by_address = [r for r in rows if r.lat is None and r.address]
    for start in range(0, len(by_address), BATCH):
        writer.write(by_address[start : start + BATCH], by_address=True)
    # What `import_requests` refreshes after its batches: the planner's statistics, and
    # (through this signal) the map counts, which per-request events would otherwise keep.
    refresh_statistics(bulk=False)
    transaction.on_commit(
        lambda: requests_imported.send(
            sender=ImportResult, jurisdiction_id=jurisdiction.pk, result=result
        )
    )
    return result
