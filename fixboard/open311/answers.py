"""Answers made of configuration alone: `services` and service definitions.

They change when the city edits its catalog, a few times a year, yet clients ask for them
on every start and every form. Each process keeps them rendered, per jurisdiction, language
and format, in a `core.snapshots.Snapshot`: a call costs no query, and a catalog change
anywhere reaches every process within CONFIGURATION_CACHE_SECONDS.
"""

from dataclasses import dataclass

from django.utils.translation import get_language

from fixboard.catalog.questions import limits_hint
from fixboard.core.snapshots import Snapshot
from fixboard.places.models import Jurisdiction

from . import lookups
from .conditional import etag_of
from .render import to_body


@dataclass(frozen=True)
class Answer:
    body: bytes
    etag: str


def _services(jurisdiction: Jurisdiction) -> tuple[str, list[dict]]:
    listed = sorted(
        (s for s in lookups.catalog_of(jurisdiction).services.values() if s.public and s.active),
        key=lambda s: (s.group, s.name, s.pk),
    )
    return "services", [
        {
            "service_code": s.code,
            "service_name": s.name,
            "description": s.description or None,
            "metadata": bool(s.attributes.all()),
            "type": s.type,
            "keywords": s.keywords or None,
            "group": s.group or None,
        }
        for s in listed
    ]


def _definition(service) -> tuple[str, dict]:
    attributes = [
        {
            "variable": q.variable,
            "code": q.code,
            "datatype": q.datatype,
            "required": q.required,
            # The spec has no field for a number's limits: the hint says them.
            "datatype_description": q.datatype_description
            or limits_hint(q.whole_number, q.minimum, q.maximum)
            or None,
            "order": q.order,
            "description": q.description,
            "values": [{"key": str(v["key"]), "name": str(v["name"])} for v in q.values],
        }
        for q in service.attributes.all()
    ]
    return "service_definition", {"service_code": service.code, "attributes": attributes}


def _load(key: tuple) -> Answer:
    resource, jurisdiction_id, code, _language, fmt = key
    jurisdiction = lookups.jurisdiction_by_id(jurisdiction_id)
    if resource == "services":
        root, data = _services(jurisdiction)
    else:
        root, data = _definition(lookups.catalog_of(jurisdiction).by_code[code])
    body = to_body(fmt, root, data)
    return Answer(body, etag_of(body))


_answers = Snapshot("open311.answers", _load)


def services(jurisdiction: Jurisdiction, fmt: str) -> Answer:
    """The services list of the jurisdiction, in the active language."""
    return _answers.get(("services", jurisdiction.pk, "", get_language(), fmt))


def service_definition(jurisdiction: Jurisdiction, code: str, fmt: str) -> Answer | None:
    """The definition of a listed service type, or None: only codes the catalog holds are
    kept, so asking for made-up codes cannot fill the memory."""
    service = lookups.listed_service(jurisdiction, code)
    if service is None:
        return None
    return _answers.get(("definition", jurisdiction.pk, service.code, get_language(), fmt))
