"""Service requests: list, detail, nearby, submit, support, follow, comment."""

import math
from typing import Annotated

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import File, Header, Query, Router, Status, UploadedFile
from ninja.errors import HttpError

from fixboard.catalog.models import ServiceType
from fixboard.core import limits
from fixboard.notify import follows
from fixboard.places.spatial import area_index
from fixboard.reports import actions, selectors
from fixboard.reports.models import ServiceRequest

from . import cursors, idempotency, submission
from .auth import WRITE_THROTTLES, WRITERS, Caller
from .errors import Problem
from .schemas import (
    Changed,
    CommentIn,
    EventOut,
    FollowIn,
    FollowLinkSent,
    NearbyList,
    NearbyQuery,
    RequestDetail,
    RequestPage,
    RequestQuery,
    SubmitIn,
    SubmitOut,
    SupportIn,
    Text,
)

router = Router(tags=["requests"])
WRITE = {"auth": WRITERS, "throttle": WRITE_THROTTLES}
WRITE_ERRORS = {code: Problem for code in (400, 401, 403, 404, 422, 429)}
SUBMIT_ERRORS = {**WRITE_ERRORS, 409: Problem}
IdempotencyKey = Annotated[
    Text | None,
    Header(
        alias="Idempotency-Key",
        max_length=200,
        description="Any unique string; a retry with the same key answers the first result.",
    ),
]


def _out(request, row: dict) -> dict:
    # A request nobody pinpointed stands at its city's centre: that is no place to publish.
    placed = row["pinpointed"]
    return {
        "id": row["public_id"],
        "url": request.build_absolute_uri(f"/requests/{row['public_id']}/"),
        "jurisdiction": row["jurisdiction__slug"],
        "service_code": row["service_type__code"],
        "service_name": row["service_type__name"],
        "duplicate_of": row["duplicate_of__public_id"],
        "photo": request.build_absolute_uri(row["photo"]) if row["photo"] else "",
        "lat": row["lat"] if placed else None,
        "long": row["long"] if placed else None,
        "pinpointed": placed,
        **{
            k: row[k]
            for k in (
                "status",
                "close_reason",
                "description",
                "address",
                "requested_at",
                "updated_at",
                "closed_at",
                "expected_at",
                "support_count",
                "follow_count",
            )
        },
    }


def _bbox(text: str) -> tuple[float, float, float, float]:
    message = _("Give the box as min_long,min_lat,max_long,max_lat in decimal degrees.")
    try:
        box = tuple(float(part) for part in text.split(","))
    except ValueError:
        raise ValidationError({"bbox": [message]}) from None
    if len(box) != 4 or not all(math.isfinite(v) for v in box):
        raise ValidationError({"bbox": [message]})
    min_long, min_lat, max_long, max_lat = box
    if not (-180 <= min_long <= max_long <= 180 and -90 <= min_lat <= max_lat <= 90):
        raise ValidationError({"bbox": [message]})
    return box


def _filters(query: RequestQuery) -> selectors.RequestFilters:
    return selectors.RequestFilters(
        jurisdiction=query.jurisdiction or "",
        bbox=_bbox(query.bbox) if query.bbox else None,
        area_id=query.area,
        statuses=tuple(s.value for s in query.status),
        service_codes=tuple(query.service),
        updated_after=query.updated_after,
        updated_before=query.updated_before,
        requested_after=query.requested_after,
        requested_before=query.requested_before,
    )


@router.get("/requests", response={200: RequestPage, 400: Problem, 422: Problem})
def list_requests(request, query: Query[RequestQuery]):
    """Public requests, newest first unless `sort` says otherwise, a page at a time."""
    filters = _filters(query)
    try:
        after = cursors.decode(query.cursor, query.sort.value) if query.cursor else None
    except cursors.BadCursor as exc:
        raise HttpError(400, str(exc)) from exc
    page = selectors.list_public_requests(
        filters=filters, order=query.sort.value, after=after, limit=query.limit
    )
    return {
        "items": [_out(request, row) for row in page.rows],
        "next_cursor": cursors.encode(page.next),
    }


def _nearby_service(query: NearbyQuery) -> ServiceType | None:
    """The public service asked about (None outside every city), read in one query."""
    if query.jurisdiction:
        where = {"jurisdiction__slug": query.jurisdiction}
    else:
        located = area_index().locate(query.lat, query.long).jurisdiction_id
        if located is None:
            return None
        where = {"jurisdiction_id": located}
    found = (
        ServiceType.objects.filter(code=query.service_code, public=True, **where).order_by().first()
    )
    # Not found: the submission's look-ups say which field is wrong.
    return found or submission.public_service(
        submission.jurisdiction_for(query.jurisdiction, query.lat, query.long), query.service_code
    )


@router.get("/requests/nearby", response={200: NearbyList, 422: Problem})
def nearby_requests(request, query: Query[NearbyQuery]):
    """Open requests of one service near a point, nearest first: "is it one of these?"."""
    service = _nearby_service(query)
    if service is None:
        return {"items": []}
    rows = selectors.nearby_open_requests(service, query.lat, query.long, query.radius, query.limit)
    return {"items": [{**_out(request, r), "distance_m": r["distance_m"]} for r in rows]}


# Fixed paths under /requests/ must be declared before /requests/{public_id}, which would
# otherwise take them (Django tries the URL patterns in order).
@router.post("/requests/multipart", response={201: SubmitOut, **SUBMIT_ERRORS}, **WRITE)
def submit_with_photos(
    request,
    payload: SubmitIn,
    media: File[list[UploadedFile]] = None,
    idempotency_key: IdempotencyKey = None,
):
    """Report a problem with photos: multipart/form-data, `payload` as JSON, files as `media`."""
    _limit(request, "report", email=payload.email)
    photos = submission.read_photos(media or [])
    return Status(
        201,
        idempotency.once(
            request,
            idempotency_key,
            payload,
            photos,
            lambda: submission.submit(request, payload, photos),
        ),
    )


def _limit(request, action: str, *, email: str = "", target: object = None) -> None:
    """The web form's limits (fixboard.core.limits); an app's address is its key's limit."""
    limits.check(request, action, email=email, target=target, address=request.auth.is_browser)


def _public_or_404(public_id: str) -> ServiceRequest:
    found = None
    if len(public_id) <= 64 and "\x00" not in public_id:
        found = selectors.get_public_request(public_id)
    if found is None:
        raise Http404(_("There is no public request %(id)s.") % {"id": public_id[:64]})
    return found


def _detail(request, sr: ServiceRequest) -> dict:
    return {
        **_out(
            request,
            {
                **{f: getattr(sr, f) for f in selectors.PUBLIC_FIELDS if "__" not in f},
                "jurisdiction__slug": sr.jurisdiction.slug,
                "service_type__code": sr.service_type.code,
                "service_type__name": sr.service_type.name,
                "duplicate_of__public_id": sr.duplicate_of.public_id if sr.duplicate_of else None,
                "photo": "",
            },
        ),
        "service_group": sr.service_type.group,
        "status_notes": sr.status_notes,
        "zipcode": sr.zipcode,
        "address_id": sr.address_id,
        "department": sr.department.name if sr.department else None,
        "acknowledged_at": sr.acknowledged_at,
        "reporter_name": sr.public_reporter_name or None,
        "areas": selectors.public_areas(sr),
        "photos": [
            {"url": request.build_absolute_uri(p.image.url), "width": p.width, "height": p.height}
            for p in selectors.public_photos(sr)
        ],
        "timeline": [_event(request, e) for e in selectors.public_timeline(sr)],
    }


def _event(request, entry: selectors.TimelineEntry) -> dict:
    return {
        **entry.__dict__,
        "photos": [request.build_absolute_uri(url) for url in entry.photos],
    }


@router.get("/requests/{public_id}", response={200: RequestDetail, 404: Problem})
def request_detail(request, public_id: str):
    """One public request with its areas, photos and public timeline."""
    sr = _public_or_404(public_id)
    detail = _detail(request, sr)
    if detail["photos"]:
        detail["photo"] = detail["photos"][0]["url"]
    return detail


@router.post("/requests", response={201: SubmitOut, **SUBMIT_ERRORS}, **WRITE)
def submit_json(request, payload: SubmitIn, idempotency_key: IdempotencyKey = None):
    """Report a problem (JSON). To send photos too, use /requests/multipart."""
    _limit(request, "report", email=payload.email)
    return Status(
        201,
        idempotency.once(
            request, idempotency_key, payload, [], lambda: submission.submit(request, payload, [])
        ),
    )


def _counts(sr: ServiceRequest, changed: bool) -> dict:
    sr.refresh_from_db(fields=["support_count", "follow_count"])
    return {"changed": changed, "support_count": sr.support_count, "follow_count": sr.follow_count}


@router.post("/requests/{public_id}/support", response={200: Changed, **WRITE_ERRORS}, **WRITE)
def support_request(request, public_id: str, payload: SupportIn | None = None):
    """Add a "me too". Browsers count once per account or session; API clients send an e-mail."""
    sr = _public_or_404(public_id)
    payload = payload or SupportIn()
    caller: Caller = request.auth
    _limit(request, "support", target=sr.pk)
    actor = caller.user
    if caller.client:
        actor = submission.contact_for(caller, payload.email, payload.name)
    # An anonymous browser counts once per client address, whatever its cookies.
    client_key = "" if actor else limits.anonymous_key(request)
    changed = actions.support(request=sr, actor=actor, client_key=client_key, client=caller.client)
    return _counts(sr, changed)


@router.post(
    "/requests/{public_id}/follow",
    response={200: Changed, 202: FollowLinkSent, **WRITE_ERRORS},
    **WRITE,
)
def follow_request(request, public_id: str, payload: FollowIn | None = None):
    """Get notified of changes: the signed-in account, else the e-mail given.

    Apps and signed-in residents follow at once (200). An e-mail typed in a browser follows
    only once its owner opens the link e-mailed to it (202), as on the request page.
    """
    sr = _public_or_404(public_id)
    payload = payload or FollowIn()
    caller: Caller = request.auth
    _limit(request, "follow", email=payload.email, target=sr.pk)
    if caller.is_browser and not follows.follows_at_once(request.user):
        # Else anyone could subscribe someone else's address to our e-mails.
        asked = follows.ask_by_email(request=sr, email=submission.clean_email(payload.email))
        return Status(202, {"link_sent": asked.sent, "detail": asked.message})
    actor = caller.user or submission.contact_for(caller, payload.email, payload.name)
    return _counts(sr, actions.follow(request=sr, actor=actor, client=caller.client))


@router.delete("/requests/{public_id}/follow", response={200: Changed, **WRITE_ERRORS}, **WRITE)
def unfollow_request(request, public_id: str):
    """Stop notifications for the signed-in account."""
    sr = _public_or_404(public_id)
    caller: Caller = request.auth
    if caller.user is None:
        raise HttpError(403, _("Sign in to stop following, or use the link in our e-mails."))
    return _counts(sr, actions.unfollow(request=sr, actor=caller.user))


@router.post("/requests/{public_id}/comments", response={201: EventOut, **WRITE_ERRORS}, **WRITE)
def comment(request, public_id: str, payload: CommentIn):
    """A resident's public comment: plain text, shown as written (escaped by every page)."""
    sr = _public_or_404(public_id)
    _limit(request, "comment", email=payload.email, target=sr.pk)
    caller: Caller = request.auth
    contact = submission.contact_for(caller, payload.email, payload.name)
    event = actions.add_update(
        request=sr, text=payload.text, actor=contact, public=True, client=caller.client
    )
    entry = selectors.TimelineEntry(
        id=event.pk,
        kind=event.kind,
        label=event.get_kind_display(),
        at=event.created_at,
        actor="resident",
        text=event.text,
    )
    return Status(201, _event(request, entry))
