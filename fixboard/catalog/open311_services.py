"""Service types and their questions from another Open311 server's services list and
service definitions, written through the catalog's domain functions (validated, audited as
`actor`): the fixture loader's (open311.loading) and a city CRM's (bridge.services)."""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from fixboard.core.commands import describe_validation_error
from fixboard.core.open311_answers import flag, service_code, text
from fixboard.places.models import Jurisdiction

from .actions import save_service_type
from .models import AttributeDefinition, ServiceType


@dataclass
class ServicesResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def _service_defaults(item: dict) -> dict:
    kind = text(item.get("type")).lower()
    return {
        "name": text(item.get("service_name"))[:200],
        "description": text(item.get("description")),
        "group": text(item.get("group"))[:200],
        "keywords": text(item.get("keywords"))[:500],
        "type": kind if kind in ServiceType.Type.values else ServiceType.Type.REALTIME,
    }


def saved_service(
    jurisdiction, code: str, data: dict, found: ServiceType | None, *, actor: str
) -> ServiceType | str:
    """The service type `code` created or changed, or the reason it cannot be."""
    try:
        if found is None:
            data = {"jurisdiction": jurisdiction, "code": code, **data}
        return save_service_type(actor=actor, data=data, service_type=found)
    except ValidationError as exc:
        return _("service %(c)s: %(e)s") % {"c": code, "e": describe_validation_error(exc)}


@transaction.atomic
def load_services(
    *, jurisdiction: Jurisdiction, services: list[dict], actor: str
) -> ServicesResult:
    """Create or update the jurisdiction's service types from a services answer."""
    result = ServicesResult()
    existing = {s.code: s for s in ServiceType.objects.filter(jurisdiction=jurisdiction)}
    for number, item in enumerate(services, start=1):
        try:
            code = service_code(item.get("service_code"))
        except ValueError as exc:
            result.skipped.append(_("service %(n)d: %(e)s") % {"n": number, "e": exc})
            continue
        defaults = _service_defaults(item)
        if not defaults["name"]:
            result.skipped.append(_("service %(c)s has no name") % {"c": code})
            continue
        found = existing.get(code)
        saved = saved_service(jurisdiction, code, defaults, found, actor=actor)
        if isinstance(saved, str):
            result.skipped.append(saved)
            continue
        existing[code] = saved
        (result.updated if found else result.created).append(code)
    return result


def _questions(attributes: list[dict]) -> list[dict]:
    orders = [a.get("order") for a in attributes]
    numbers = [int(o) if text(o).isdigit() else 0 for o in orders]
    # The spec wants distinct positive orders; mySociety's server-set fields all say 0.
    if 0 in numbers or len(set(numbers)) != len(numbers):
        numbers = list(range(1, len(attributes) + 1))
    questions = []
    for order, item in zip(numbers, attributes, strict=True):
        datatype = text(item.get("datatype")).lower()
        values = item.get("values") or []
        questions.append(
            {
                "code": service_code(item.get("code")),
                "description": text(item.get("description"))[:500],
                "datatype": datatype
                if datatype in AttributeDefinition.Datatype.values
                else AttributeDefinition.Datatype.STRING,
                "datatype_description": text(item.get("datatype_description"))[:300],
                "required": flag(item.get("required")),
                "variable": flag(item.get("variable", True)),
                "order": order,
                "values": [
                    {"key": text(v.get("key")), "name": text(v.get("name"))}
                    for v in values
                    if isinstance(v, dict)
                ],
            }
        )
    return questions


@transaction.atomic
def load_definition(*, jurisdiction: Jurisdiction, definition: dict, actor: str) -> ServiceType:
    """Set a service type's questions from its service definition answer."""
    code = service_code(definition.get("service_code"))
    service = ServiceType.objects.filter(jurisdiction=jurisdiction, code=code).first()
    if service is None:
        raise ValidationError(
            {"service_code": [_("Load the services first: no service %(c)s.") % {"c": code}]}
        )
    try:
        questions = _questions(definition.get("attributes") or [])
    except ValueError as exc:
        raise ValidationError({"attributes": [str(exc)]}) from exc
    return save_service_type(actor=actor, data={}, questions=questions, service_type=service)
