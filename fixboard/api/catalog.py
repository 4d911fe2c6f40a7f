"""Jurisdictions and the services residents can report, with their questions."""

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Router

from fixboard.catalog.models import AttributeDefinition, ServiceType
from fixboard.places.models import Jurisdiction

from .errors import Problem
from .schemas import JurisdictionOut, ServiceOut, Text

router = Router(tags=["catalog"])


@router.get("/jurisdictions", response=list[JurisdictionOut])
def list_jurisdictions(request):
    """Every city or county this installation serves."""
    rows = Jurisdiction.objects.order_by("name").values(
        "slug", "name", "timezone", "min_long", "min_lat", "max_long", "max_lat"
    )
    return [
        {
            "id": r["slug"],
            "name": r["name"],
            "timezone": r["timezone"],
            "bbox": None
            if r["min_lat"] is None
            else [r["min_long"], r["min_lat"], r["max_long"], r["max_lat"]],
        }
        for r in rows
    ]


def _public_services() -> QuerySet[ServiceType]:
    return (
        ServiceType.objects.filter(public=True, active=True)
        .select_related("jurisdiction")
        .prefetch_related(
            Prefetch("attributes", queryset=AttributeDefinition.objects.order_by("order", "id"))
        )
        .order_by("jurisdiction__slug", "group", "name")
    )


def _service_out(service: ServiceType) -> dict:
    return {
        "jurisdiction": service.jurisdiction.slug,
        "code": service.code,
        "name": service.name,
        "description": service.description,
        "group": service.group,
        "keywords": [k.strip() for k in service.keywords.split(",") if k.strip()],
        "type": service.type,
        "questions": [
            {
                "code": a.code,
                "question": a.description,
                "datatype": a.datatype,
                "hint": a.datatype_description,
                "required": a.required,
                "variable": a.variable,
                "order": a.order,
                "values": [{"key": str(v["key"]), "name": str(v["name"])} for v in a.values],
            }
            for a in service.attributes.all()
        ],
    }


@router.get("/services", response=list[ServiceOut])
def list_services(request, jurisdiction: Text | None = None):
    """The public, active services (of one jurisdiction if given) with their questions."""
    services = _public_services()
    if jurisdiction:
        services = services.filter(jurisdiction__slug=jurisdiction)
    return [_service_out(s) for s in services]


@router.get("/services/{jurisdiction}/{code}", response={200: ServiceOut, 404: Problem})
def service_detail(request, jurisdiction: Text, code: Text):
    """One public service with its questions."""
    service = _public_services().filter(jurisdiction__slug=jurisdiction, code=code).first()
    if service is None:
        raise Http404(_("There is no service %(c)s in %(j)s.") % {"c": code, "j": jurisdiction})
    return _service_out(service)
