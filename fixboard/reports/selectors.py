"""Public reads of service requests, shared by every public door (web, API, widget, feeds).

Only what a resident may see: hidden requests, requests awaiting e-mail confirmation and
requests of private service types are never returned, and the reporter's name comes only
when they chose to publish it (`public_reporter_name`); e-mail and phone never do.
Staff reads belong in separate functions so a private field cannot leak by accident.
"""

import math
from dataclasses import dataclass, field
from datetime import datetime

from django.core.files.storage import default_storage
from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils.translation import gettext as _

from fixboard.catalog.languages import only_in_language, values_in_language
from fixboard.catalog.models import ServiceType
from fixboard.places.models import Area, Jurisdiction
from fixboard.places.names import by_name

from .models import (
    OPEN_STATUSES,
    CloseReason,
    CommentFlag,
    Event,
    FixAnswer,
    Photo,
    ServiceRequest,
    Status,
)
from .public_ids import normalize_public_id

EARTH_RADIUS_M = 6_371_008.8
METRES_PER_DEGREE = math.pi * EARTH_RADIUS_M / 180

# The columns a public page or API response may show; everything else stays unread.
PUBLIC_FIELDS = (
    "id",
    "public_id",
    "jurisdiction__slug",
    "jurisdiction__name",
    "service_type__code",
    "service_type__name",
    "status",
    "close_reason",
    "status_notes",
    "description",
    "lat",
    "long",
    "address",
    "zipcode",
    "requested_at",
    "updated_at",
    "closed_at",
    "expected_at",
    "support_count",
    "follow_count",
    "duplicate_of__public_id",
    "pinpointed",
)

# Event data keys that are safe to publish (assignments also record the staff username).
PUBLIC_EVENT_DATA = (
    "channel",
    "department",
    "canonical",
    "duplicate",
    "supporters",
    "media_url",
    # reports.changes: a new service type or place (from → to), a referral's agency.
    "from",
    "to",
    "referred_to",
    # reports.external: the request's reference in the city's own CRM.
    "reference",
)


def public_requests() -> QuerySet[ServiceRequest]:
    """Every request a resident may see (`ServiceRequest.objects.public()`), unordered."""
    return ServiceRequest.objects.public()


def _first_photo() -> Subquery:
    photos = Photo.objects.visible().filter(request=OuterRef("pk")).order_by("created_at", "id")
    return Subquery(photos.values("image")[:1], output_field=CharField())


def _with_photo_urls(rows: list[dict]) -> list[dict]:
    for row in rows:
        row["photo"] = default_storage.url(row["photo"]) if row["photo"] else ""
    return rows


def _public_name() -> Case:
    return Case(
        When(reporter_name_public=True, anonymous=False, then=F("reporter__name")),
        default=Value(""),
        output_field=CharField(),
    )


@dataclass(frozen=True)
class RequestFilters:
    """What a public list of requests is narrowed to; every field is optional."""

    jurisdiction: str = ""
    bbox: tuple[float, float, float, float] | None = None  # min_long, min_lat, max_long, max_lat
    area_id: int | None = None
    statuses: tuple[str, ...] = ()  # Status values, or "open" / "closed"
    service_codes: tuple[str, ...] = ()
    updated_after: datetime | None = None
    updated_before: datetime | None = None
    requested_after: datetime | None = None
    requested_before: datetime | None = None
    open_or_fixed_after: datetime | None = None  # open, or closed as fixed since then


def _status_q(statuses: tuple[str, ...]) -> Q:
    wanted = set()
    for status in statuses:
        wanted |= set(OPEN_STATUSES) if status == "open" else {status}
    return Q(status__in=sorted(wanted))


def filter_requests(queryset: QuerySet, filters: RequestFilters) -> QuerySet:
    """`queryset` narrowed by `filters`; the bounding box uses the (lat, long) index."""
    # The jurisdiction as its id, never a join: joined by slug (or left implied by an
    # area), the planner sorts all of a city's requests for a page instead of reading the
    # newest rows of its (jurisdiction, …) indexes.
    if filters.jurisdiction:
        slug = Jurisdiction.objects.filter(slug=filters.jurisdiction).order_by().values("pk")
        queryset = queryset.filter(jurisdiction_id=Subquery(slug[:1]))
    if filters.bbox:
        min_long, min_lat, max_long, max_lat = filters.bbox
        queryset = queryset.filter(lat__range=(min_lat, max_lat), long__range=(min_long, max_long))
        # One nobody pinpointed stands at its city's centre, not in the box.
        queryset = queryset.filter(pinpointed=True)
    if filters.area_id is not None:
        owner = Area.objects.filter(pk=filters.area_id).order_by().values("jurisdiction_id")
        queryset = queryset.filter(
            requestarea__area_id=filters.area_id, jurisdiction_id=Subquery(owner[:1])
        )
    if filters.statuses:
        queryset = queryset.filter(_status_q(filters.statuses))
    if filters.service_codes:
        queryset = queryset.filter(service_type__code__in=filters.service_codes)
    if filters.open_or_fixed_after:
        fixed = Q(
            status=Status.CLOSED,
            close_reason=CloseReason.FIXED,
            closed_at__gte=filters.open_or_fixed_after,
        )
        queryset = queryset.filter(~Q(status=Status.CLOSED) | fixed)
    bounds = {
        "updated_at__gt": filters.updated_after,
        "updated_at__lt": filters.updated_before,
        "requested_at__gt": filters.requested_after,
        "requested_at__lt": filters.requested_before,
    }
    return queryset.filter(**{k: v for k, v in bounds.items() if v is not None})


# Sort keys: (column, descending). Every order ends on the id, so pages are stable.
ORDERS = {
    "-requested_at": ("requested_at", True),
    "requested_at": ("requested_at", False),
    "-updated_at": ("updated_at", True),
    "updated_at": ("updated_at", False),
}


@dataclass(frozen=True)
class Position:
    """Where a page ends: the sort column's value and the id of the last row."""

    order: str
    value: datetime
    id: int


@dataclass
class Page:
    rows: list[dict]
    next: Position | None = None


def _after(position: Position) -> Q:
    column, descending = ORDERS[position.order]
    op = "lt" if descending else "gt"
    return Q(**{f"{column}__{op}": position.value}) | Q(
        **{column: position.value, f"id__{op}": position.id}
    )


def list_public_requests(
    *,
    filters: RequestFilters = RequestFilters(),
    order: str = "-requested_at",
    after: Position | None = None,
    limit: int = 50,
) -> Page:
    """One page of public requests as dicts of PUBLIC_FIELDS plus `photo` (first photo's URL).

    Keyset pagination on (sort column, id): pass the returned `next` as `after` for the
    following page. New or changed rows never shift a page boundary, and no COUNT(*) runs.
    """
    if after is not None and after.order != order:
        raise ValueError("the position belongs to another sort order")
    column, descending = ORDERS[order]
    queryset = filter_requests(public_requests(), filters)
    if after is not None:
        queryset = queryset.filter(_after(after))
    sign = "-" if descending else ""
    names, texts = values_in_language(PUBLIC_FIELDS)
    rows = list(
        queryset.order_by(f"{sign}{column}", f"{sign}id")
        .annotate(photo=_first_photo())
        .values(*names, "photo", **texts)[: limit + 1]
    )
    more = len(rows) > limit
    rows = _with_photo_urls(rows[:limit])
    return Page(rows, Position(order, rows[-1][column], rows[-1]["id"]) if more else None)


def get_public_request(public_id: str) -> ServiceRequest | None:
    """The request with this public id (as typed: case and confusables forgiven), or None.

    Only public columns are loaded; `public_reporter_name` is the reporter's name when
    they chose to show it, else "". Related service type and jurisdiction come along.
    """
    return _one_for_residents(public_requests(), public_id)


def get_pending_request(public_id: str) -> ServiceRequest | None:
    """A request awaiting its reporter's e-mail confirmation, read as `get_public_request`
    reads a public one: for the browser that reported it, and nobody else."""
    pending = ServiceRequest.objects.filter(
        awaiting_confirmation=True, hidden=False, service_type__public=True
    )
    return _one_for_residents(pending, public_id)


def _one_for_residents(requests: QuerySet[ServiceRequest], public_id: str):
    return (
        requests.filter(public_id=normalize_public_id(public_id))
        .select_related("service_type", "jurisdiction", "department", "duplicate_of")
        .only(
            *only_in_language(
                (
                    *(f for f in PUBLIC_FIELDS if "__" not in f),
                    "service_type__code",
                    "service_type__name",
                    "service_type__group",
                    "jurisdiction__slug",
                    "jurisdiction__name",
                    "jurisdiction__timezone",
                    # Where the request page's map may be moved to (`web` map settings).
                    "jurisdiction__min_lat",
                    "jurisdiction__min_long",
                    "jurisdiction__max_lat",
                    "jurisdiction__max_long",
                    "department__name",
                    "duplicate_of__public_id",
                    "acknowledged_at",
                    "address_id",
                    "referred_to",
                    "anonymous",
                    "reporter_name_public",
                    "attributes",
                    "awaiting_confirmation",
                )
            )
        )
        .annotate(public_reporter_name=_public_name())
        .first()
    )


def public_areas(request: ServiceRequest) -> list[dict]:
    """The active areas a request lies in: id, kind, code and name."""
    return list(by_name(request.areas.filter(active=True)).values("id", "kind", "code", "name"))


def public_photos(request: ServiceRequest) -> list[Photo]:
    """The request's visible photos, oldest first."""
    return list(request.photos.visible().only("id", "image", "width", "height", "event_id"))


def public_photo_exists(name: str) -> bool:
    """Whether the stored photo `name` may be shown to anyone (it and its request are public)."""
    return Photo.objects.public().filter(image=name).exists()


def photo_exists(name: str) -> bool:
    """For staff: whether `name` is a stored photo, public or not."""
    return Photo.objects.filter(image=name).exists()


@dataclass(frozen=True)
class TimelineEntry:
    """One public event, with the actor reduced to a role: "city", "resident" or "system"."""

    id: int
    kind: str
    label: str
    at: datetime
    actor: str
    text: str = ""
    from_status: str = ""
    to_status: str = ""
    close_reason: str = ""
    data: dict = field(default_factory=dict)
    photos: tuple[str, ...] = ()


def _actor_role(event: Event) -> str:
    if event.actor_contact_id:
        return "resident"
    if event.actor_user_id:
        role = event.actor_user.role
        return "resident" if role == "resident" and not event.actor_user.is_staff else "city"
    return "system" if event.actor_system else "resident"


def public_timeline(request: ServiceRequest) -> list[TimelineEntry]:
    """The public events of a request, oldest first, with their visible photos' URLs."""
    return _timeline(request, Event.objects.public().filter(request=request))


def pending_comments(request: ServiceRequest, ids: list[int]) -> list[TimelineEntry]:
    """Of the comments `ids` (those a browser wrote), the ones still awaiting their author's
    e-mail confirmation: shown to that browser only."""
    pending = Event.objects.filter(
        request=request,
        pk__in=ids,
        kind=Event.Kind.PUBLIC_UPDATE,
        awaiting_confirmation=True,
        hidden=False,
    )
    return _timeline(request, pending)


def fixed_confirmations(request: ServiceRequest) -> int:
    """How many residents said "yes, it is fixed" since the request last closed as fixed."""
    if request.status != Status.CLOSED or request.closed_at is None:
        return 0
    return FixAnswer.objects.filter(
        request=request, fixed=True, created_at__gte=request.closed_at
    ).count()


def _timeline(request: ServiceRequest, events: QuerySet[Event]) -> list[TimelineEntry]:
    events = (
        events.select_related("actor_user")
        .only(
            "id",
            "kind",
            "created_at",
            "text",
            "from_status",
            "to_status",
            "close_reason",
            "data",
            "actor_contact_id",
            "actor_system",
            "actor_user__role",
            "actor_user__is_staff",
        )
        .order_by("created_at", "id")
    )
    photos: dict[int, list[str]] = {}
    for photo in request.photos.visible().filter(event__isnull=False).only("image", "event"):
        photos.setdefault(photo.event_id, []).append(photo.image.url)
    return [
        TimelineEntry(
            id=e.pk,
            kind=e.kind,
            label=str(Event.Kind(e.kind).label),
            at=e.created_at,
            actor=_actor_role(e),
            text=e.text,
            from_status=e.from_status,
            to_status=e.to_status,
            close_reason=e.close_reason,
            data={k: v for k, v in (e.data or {}).items() if k in PUBLIC_EVENT_DATA},
            photos=tuple(photos.get(e.pk, ())),
        )
        for e in events
    ]


def _bbox(lat: float, long: float, radius_m: float) -> tuple[tuple[float, float], list]:
    dlat = radius_m / METRES_PER_DEGREE
    cos_lat = math.cos(math.radians(lat))
    if cos_lat * 180 * METRES_PER_DEGREE <= radius_m:
        return (lat - dlat, lat + dlat), [(-180.0, 180.0)]
    dlong = radius_m / (METRES_PER_DEGREE * cos_lat)
    west, east = long - dlong, long + dlong
    if west < -180:  # the circle crosses the antimeridian: two longitude ranges
        return (lat - dlat, lat + dlat), [(west + 360, 180.0), (-180.0, east)]
    if east > 180:
        return (lat - dlat, lat + dlat), [(west, 180.0), (-180.0, east - 360)]
    return (lat - dlat, lat + dlat), [(west, east)]


def distance_m(lat1: float, long1: float, lat2: float, long2: float) -> float:
    """Great-circle (haversine) distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(long2 - long1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def nearby_open_requests(
    service_type: ServiceType, lat: float, long: float, radius_m: float, limit: int = 10
) -> list[dict]:
    """Open public requests of `service_type` within `radius_m` of a point, nearest first.

    For "is it one of these?" before a new report. Dicts of PUBLIC_FIELDS plus `photo`
    (URL or "") and `distance_m`. A bounding box on the index of open requests' positions
    by type gives the candidates (their position only: few, as most requests are closed);
    the exact haversine distance decides, and only the nearest `limit` are read in full.
    """
    if not (math.isfinite(lat) and math.isfinite(long) and radius_m > 0):
        raise ValueError(_("Give a finite point and a positive radius."))
    lat_range, long_ranges = _bbox(lat, long, radius_m)
    in_box = Q()
    for long_range in long_ranges:
        in_box |= Q(long__range=long_range)
    # "Not closed" as in the index's condition, which SQLite matches only word for word.
    candidates = (
        public_requests()
        .filter(in_box, ~Q(status=Status.CLOSED), service_type=service_type, lat__range=lat_range)
        .values_list("id", "lat", "long", "has_photos")
    )
    distances, with_photos = {}, set()
    for pk, row_lat, row_long, has_photos in candidates:
        distance = round(distance_m(lat, long, row_lat, row_long), 1)
        if distance <= radius_m:
            distances[pk] = distance
            if has_photos:
                with_photos.add(pk)
    nearest = sorted(distances, key=lambda pk: (distances[pk], pk))[:limit]
    if not nearest:
        return []
    # One nobody pinpointed stands at its city's centre: it is not near anything.
    names, texts = values_in_language(PUBLIC_FIELDS)
    rows = public_requests().filter(pk__in=nearest, pinpointed=True).values(*names, **texts)
    found = sorted(rows, key=lambda row: (distances[row["id"]], row["id"]))
    # Most requests have no photo: their first photo is looked for only when there may be
    # one (`has_photos`), which spares the common case a subquery per row.
    photos = _first_photos(with_photos.intersection(nearest))
    for row in found:
        row["distance_m"] = distances[row["id"]]
        row["photo"] = photos.get(row["id"], "")
    return _with_photo_urls(found)


def _first_photos(request_ids: set[int]) -> dict[int, str]:
    """The first visible photo (its file's name) of each of these requests that has one."""
    if not request_ids:
        return {}
    first = {}
    rows = (
        Photo.objects.visible()
        .filter(request_id__in=request_ids)
        .order_by("request_id", "created_at", "id")
        .values_list("request_id", "image")
    )
    for request_id, image in rows:
        first.setdefault(request_id, image)
    return first


# --- Comment moderation --------------------------------------------------------------------


def comment_of(request: ServiceRequest, comment_id: int) -> Event | None:
    """A public comment (shown or hidden) of this request, or None."""
    return Event.objects.filter(
        request=request, pk=comment_id, kind=Event.Kind.PUBLIC_UPDATE
    ).first()


def comments_flagged_by(request: ServiceRequest, *, user, client_key: str) -> set[int]:
    """The ids of this request's comments that this user (or else client) already reported."""
    if user.is_authenticated:
        who = Q(user=user)
    elif client_key:
        who = Q(client_key=client_key)
    else:
        return set()
    return set(
        CommentFlag.objects.filter(who, comment__request=request).values_list(
            "comment_id", flat=True
        )
    )


@dataclass(frozen=True)
class HiddenComment:
    """For staff: a hidden comment with who hid it, when and why."""

    id: int
    at: datetime
    text: str
    hidden_by: str
    hidden_at: datetime
    reason: str
    flags: int


def staff_comment_flags(request: ServiceRequest) -> dict[int, int]:
    """For staff: how many residents reported each comment of this request."""
    return dict(
        CommentFlag.objects.filter(comment__request=request)
        .values("comment_id")
        .annotate(n=Count("id"))
        .values_list("comment_id", "n")
    )


def staff_hidden_comments(request: ServiceRequest) -> list[HiddenComment]:
    """For staff: this request's hidden comments, oldest first, each with its latest hiding."""
    events = Event.objects.filter(
        request=request, kind__in=(Event.Kind.PUBLIC_UPDATE, Event.Kind.COMMENT_HIDDEN)
    )
    comments, hidings = [], {}
    for event in events.select_related("actor_user").order_by("created_at", "id"):
        if event.kind == Event.Kind.COMMENT_HIDDEN:
            hidings[event.data.get("comment")] = event
        elif event.hidden:
            comments.append(event)
    flags = staff_comment_flags(request) if comments else {}
    return [
        HiddenComment(
            id=comment.pk,
            at=comment.created_at,
            text=comment.text,
            hidden_by=hiding.actor_user.get_username() if hiding.actor_user else "",
            hidden_at=hiding.created_at,
            reason=hiding.text,
            flags=flags.get(comment.pk, 0),
        )
        for comment in comments
        if (hiding := hidings.get(comment.pk))
    ]
