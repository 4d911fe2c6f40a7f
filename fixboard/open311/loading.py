"""Load another Open311 server's answers as a jurisdiction's configuration and requests.

Reads what real servers send, quirks included: XML or JSON, integer codes, nulls,
`is_array` on the XML root, missing time zones, 0,0 for "no location", empty
`updated_datetime`. Service types and their questions are written through the catalog
(`catalog.open311_services`, on the audit log as LOADER); requests through the bulk import
path (`reports.importing`), keyed by the source's `service_request_id`, so loading the same
answer again updates instead of duplicating, and the map counts are rebuilt after it as
after any import.
"""

import math
import zoneinfo
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from fixboard.catalog import open311_services
from fixboard.catalog.actions import save_service_type
from fixboard.catalog.models import ServiceType, SlaUnit
from fixboard.core.open311_answers import Unreadable, parse_answer, service_code, text
from fixboard.places.models import Jurisdiction
from fixboard.reports.importing import ImportResult
from fixboard.reports.importing.batch import BatchWriter
from fixboard.reports.importing.catalog import Service
from fixboard.reports.importing.indexes import refresh_statistics
from fixboard.reports.importing.rows import Row
from fixboard.reports.importing.signals import requests_imported
from fixboard.reports.models import Channel, Status
from fixboard.reports.open311_statuses import target_of

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


def load_services(
    *, jurisdiction: Jurisdiction, services: list[dict]
) -> open311_services.ServicesResult:
    """Create or update the jurisdiction's service types from a services answer."""
    return open311_services.load_services(
        jurisdiction=jurisdiction, services=services, actor=LOADER
    )


def load_definition(*, jurisdiction: Jurisdiction, definition: dict) -> ServiceType:
    """Set a service type's questions from its service definition answer."""
    return open311_services.load_definition(
        jurisdiction=jurisdiction, definition=definition, actor=LOADER
    )


def _when(value, tz: zoneinfo.ZoneInfo) -> datetime | None:
    written = text(value)
    if not written:
        return None
    parsed = parse_datetime(written.replace(" ", "T", 1) if "T" not in written else written)
    if parsed is None:
        raise ValueError(_("unreadable date %(d)r") % {"d": written})
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
    target = target_of(text(value) or "open")
    if target is None or not target.status or target.reopen_only:
        return Status.NEW, ""
    if target.status == Status.CLOSED and text(value).lower() == "closed":
        return Status.CLOSED, ""  # the source did not say why
    return target.status, target.close_reason


def _service_key(code: str) -> str:
    # How rows name their service to the import's catalog: by code, in a form no
    # service name can take (two services of a city may share a name, never a code).
    return f"\0open311 code {code}".casefold()


def _row(number: int, item: dict, names: dict[str, str], tz) -> Row:
    code = service_code(item.get("service_code"))
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
        source_id=text(item.get("service_request_id"))[:64],
        service_name=_service_key(code),
        group="",
        requested_at=requested,
        updated_at=max(updated, requested),
        closed_at=closed,
        status=status,
        close_reason=reason,
        lat=lat,
        long=long,
        address=text(item.get("address"))[:300],
        zipcode=text(item.get("zipcode"))[:20],
        description=text(item.get("description")),
        channel=Channel.IMPORT,
        department=text(item.get("agency_responsible"))[:200],
        status_notes=text(item.get("status_notes")),
        media_url=text(item.get("media_url"))[:500],
        address_id=text(item.get("address_id"))[:100],
    )


def _catalog_for(jurisdiction: Jurisdiction, requests: list[dict], tz) -> dict[str, str]:
    """{code: name} of the requests' service types, creating missing ones with their code,
    and setting the SLA of types whose requests all carry the same expected delay."""
    existing = {s.code: s for s in ServiceType.objects.filter(jurisdiction=jurisdiction)}
    names = {code: service.name for code, service in existing.items()}
    delays: dict[str, set] = defaultdict(set)
    for item in requests:
        try:
            code = service_code(item.get("service_code"))
            requested = _when(item.get("requested_datetime"), tz)
            expected = _when(item.get("expected_datetime"), tz)
        except ValueError:
            continue
        if code not in names and text(item.get("service_name")):
            saved = open311_services.saved_service(
                jurisdiction, code, {"name": text(item["service_name"])[:200]}, None, actor=LOADER
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
