"""Reads only the resident pages need; request reads come from `reports.selectors`."""

from datetime import datetime, timedelta

from django.db.models import F, Prefetch, Q
from django.shortcuts import get_object_or_404
from django.utils import timezone

from fixboard.catalog.languages import values_in_language
from fixboard.catalog.models import AttributeDefinition, ServiceType
from fixboard.maps.aggregates import counts_by_jurisdiction
from fixboard.places.models import Area, Jurisdiction
from fixboard.places.names import by_name
from fixboard.places.search import nearest_address, search_addresses
from fixboard.reports.models import CloseReason, Follow, ServiceRequest, Status
from fixboard.reports.selectors import (
    PUBLIC_FIELDS,
    RequestFilters,
    list_public_requests,
    public_requests,
)

REOPEN_DAYS = 30


def jurisdictions_with_counts() -> list[tuple[Jurisdiction, dict]]:
    """Every jurisdiction with its open and total public requests."""
    jurisdictions = list(Jurisdiction.objects.only("id", "slug", "name"))
    counts = counts_by_jurisdiction(j.pk for j in jurisdictions)
    return [(j, counts[j.pk]) for j in jurisdictions]


def jurisdiction_or_404(slug: str) -> Jurisdiction:
    # Without its boundary: hundreds of kilobytes for some cities, which few pages draw.
    return get_object_or_404(Jurisdiction.objects.defer("boundary_wkb"), slug=slug)


def public_service_types(jurisdiction: Jurisdiction) -> list[ServiceType]:
    """Service types residents can report, grouped order, with their questions."""
    return list(
        ServiceType.objects.filter(jurisdiction=jurisdiction, public=True, active=True)
        .order_by(F("group"), F("name"))  # the default language's: one order for all
        .prefetch_related(Prefetch("attributes", AttributeDefinition.objects.order_by("order")))
    )


def public_service_type(slug: str, code: str) -> ServiceType | None:
    """One service type residents can report in a jurisdiction, by code, without questions."""
    # Codes are unique in a jurisdiction: no ordering (by the jurisdiction's name, a join).
    return (
        ServiceType.objects.filter(jurisdiction__slug=slug, code=code, public=True, active=True)
        .order_by()
        .first()
    )


def active_areas(jurisdiction: Jurisdiction, pk: str | None = None) -> list[Area]:
    """The jurisdiction's active areas (or the one with this id), without their outlines."""
    areas = Area.objects.filter(jurisdiction=jurisdiction, active=True)
    return list(
        by_name(areas.filter(pk=pk) if pk else areas).only(
            "id", "kind", "code", "name", "jurisdiction_id"
        )
    )


def areas_with_geometry(jurisdiction: Jurisdiction):
    return by_name(jurisdiction.areas.filter(active=True))


def area_or_404(jurisdiction: Jurisdiction, kind: str, code: str) -> Area:
    return get_object_or_404(Area, jurisdiction=jurisdiction, kind=kind, code=code, active=True)


def area_requests(area: Area, *, fixed_days: int = 30, limit: int = 20) -> dict:
    """An area's open requests (newest first) and those fixed in the last `fixed_days`."""
    open_page = list_public_requests(
        filters=RequestFilters(area_id=area.pk, statuses=("open",)), limit=limit
    )
    since = timezone.now() - timedelta(days=fixed_days)
    names, texts = values_in_language(PUBLIC_FIELDS)
    fixed = (
        public_requests()
        .filter(
            jurisdiction_id=area.jurisdiction_id,  # read newest first from sr_juris_closed
            requestarea__area=area,
            status=Status.CLOSED,
            close_reason=CloseReason.FIXED,
            closed_at__gte=since,
        )
        .order_by("-closed_at")
        .values(*names, **texts)[:limit]
    )
    return {"open": open_page.rows, "fixed": list(fixed)}


def find_by_source_id(text: str) -> ServiceRequest | None:
    """A public request by the number another system gave it (e.g. the city's old 311)."""
    return public_requests().filter(source_id=text.strip()).only("public_id").first()


def may_reopen(request: ServiceRequest, *, mine: bool) -> bool:
    """Reporters and followers may say "still broken" within 30 days of a fixed close."""
    return (
        mine
        and request.status == Status.CLOSED
        and request.close_reason not in (CloseReason.DUPLICATE, CloseReason.CANCELLED)
        and request.closed_at is not None
        and timezone.now() - request.closed_at <= timedelta(days=REOPEN_DAYS)
    )


def is_reporter_or_follower(request: ServiceRequest, user) -> bool:
    """Whether a signed-in user reported or follows the request (through their contacts)."""
    if not user.is_authenticated:
        return False
    reported = ServiceRequest.objects.filter(
        Q(reporter__user=user) | Q(reporter__email__iexact=user.email or "-"), pk=request.pk
    )
    follows = Follow.objects.filter(request=request, active=True).filter(
        Q(user=user) | Q(contact__user=user)
    )
    return reported.exists() or follows.exists()


def follow_of(request: ServiceRequest, user, email: str, since: datetime | None) -> Follow | None:
    """The active follow of this browser's resident: the signed-in user's (theirs or their
    contacts'), or the one its typed address confirmed since it asked (`follows_since`)."""
    follows = Follow.objects.filter(request=request, active=True).select_related("contact", "user")
    if user.is_authenticated:
        return follows.filter(Q(user=user) | Q(contact__user=user)).first()
    if not email or since is None:
        return None
    return follows.filter(contact__email=email, created_at__gte=since).first()


def public_answers(request: ServiceRequest) -> list[tuple[str, str]]:
    """The reporter's answers to the service type's questions, as (question, answer), in the
    questions' order. Open311 publishes the same answers; questions since removed, and the
    notices that ask nothing, are left out."""
    answers = request.attributes or {}
    if not answers:
        return []
    questions = AttributeDefinition.objects.filter(
        service_type_id=request.service_type_id, variable=True, code__in=list(answers)
    ).order_by("order", "id")
    found = []
    for question in questions:
        labels = {str(v.get("key")): v.get("name") for v in question.values or ()}
        given = answers[question.code]
        given = given if isinstance(given, list) else [given]
        values = [str(labels.get(str(v), v)) for v in given]
        shown = ", ".join(v for v in values if v not in ("", "None"))
        if shown:
            found.append((question.description, shown))
    return found


def follows_since(request: ServiceRequest, email: str, since: datetime | None) -> bool:
    """Whether this address started following the request (by the e-mailed link) since then.

    Only follows made after a browser asked count for that browser: typing someone's address
    must not tell whether they already follow, nor let a stranger reopen.
    """
    if not email or since is None:
        return False
    return Follow.objects.filter(
        request=request, active=True, contact__email=email, created_at__gte=since
    ).exists()


def _labelled(match) -> dict:
    # Many sources write the zip code into the address as well: say it once.
    found = match.as_dict()
    address, zipcode = found["address"], found["zipcode"]
    found["label"] = address if not zipcode or address.endswith(zipcode) else f"{address} {zipcode}"
    return found


def suggest_addresses(jurisdiction: Jurisdiction, text: str, limit: int = 8) -> list[dict]:
    """Known addresses starting like the typed text, for the report form's autocomplete;
    `label` is what to show (the address with its zip code, once)."""
    return [_labelled(match) for match in search_addresses(jurisdiction, text, limit)]


def address_at(jurisdiction: Jurisdiction, lat: float, long: float) -> dict | None:
    """The known address nearest a pin, for the report form to show under the map."""
    found = nearest_address(jurisdiction, lat, long)
    return _labelled(found) if found else None
