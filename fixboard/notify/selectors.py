"""Reads for notifications, feeds, the widget and "my reports"."""

from datetime import datetime

from django.db.models import Count, Q, QuerySet

from fixboard.catalog.languages import only_in_language
from fixboard.places.models import Area, Jurisdiction
from fixboard.reports import selectors as reports_selectors
from fixboard.reports.models import (
    OPEN_STATUSES,
    CloseReason,
    Contact,
    Event,
    Follow,
    ServiceRequest,
    Status,
)

from .models import Unsubscribe, WatchArea

# A merge e-mails the duplicate's people too: by its status change when the merge closed it,
# else (it was closed already) by the merge itself (`told_by_the_close`).
NOTIFIED_KINDS = (Event.Kind.STATUS_CHANGED, Event.Kind.PUBLIC_UPDATE, Event.Kind.MERGED)

# Only these columns leave the building in feeds and the widget: no reporter, no contact.
PUBLIC_COLUMNS = (
    "id",
    "public_id",
    "jurisdiction_id",
    "service_type__name",
    "status",
    "close_reason",
    "description",
    "address",
    "lat",
    "long",
    "requested_at",
    "updated_at",
)


def public_requests(jurisdiction: Jurisdiction | int) -> QuerySet[ServiceRequest]:
    """Requests anyone may see in this jurisdiction, reading only the public columns."""
    return (
        reports_selectors.public_requests()
        .filter(jurisdiction=jurisdiction)
        .select_related("service_type")
        .only(*only_in_language(PUBLIC_COLUMNS))
    )


def public_requests_in_area(area: Area) -> QuerySet[ServiceRequest]:
    return public_requests(area.jurisdiction_id).filter(requestarea__area=area)


def latest_public(queryset: QuerySet[ServiceRequest], limit: int) -> list[ServiceRequest]:
    return list(queryset.order_by("-requested_at", "-id")[:limit])


def event_recipients(event: Event) -> list[str]:
    """The addresses to tell about a public event: reporter and active followers.

    Leaves out whoever made the change and anyone who unsubscribed.
    """
    request = event.request
    if (
        event.kind not in NOTIFIED_KINDS
        or not event.public
        or event.hidden
        or event.awaiting_confirmation
        or request.hidden
        or request.awaiting_confirmation
        or told_by_the_close(event)
    ):
        return []
    addresses = set()
    if request.reporter_id and request.reporter.email:
        addresses.add(request.reporter.email.lower())
    follows = Follow.objects.filter(request=request, active=True).values_list(
        "contact__email", "user__email"
    )
    for contact_email, user_email in follows:
        addresses.update(a.lower() for a in (contact_email, user_email) if a)
    addresses -= _actor_addresses(event)
    addresses -= set(
        Unsubscribe.objects.filter(Q(request=request) | Q(request__isnull=True))
        .filter(email__in=addresses)
        .values_list("email", flat=True)
    )
    return sorted(addresses)


def recipient_language(email: str) -> str:
    """The language the owner of `email` last used with the city (the page they reported,
    followed or commented on), or "" when Fixboard does not know it."""
    return (
        Contact.objects.filter(email=email.strip().lower())
        .exclude(language="")
        .order_by("id")
        .values_list("language", flat=True)
        .first()
        or ""
    )


def told_by_the_close(event: Event) -> bool:
    """Whether a merge closed its duplicate in the same step (`actions.merge` records both
    at one moment): the status change's e-mail ("closed (duplicate)") already told them."""
    return (
        event.kind == Event.Kind.MERGED
        and Event.objects.filter(
            request_id=event.request_id,
            kind=Event.Kind.STATUS_CHANGED,
            created_at=event.created_at,
        ).exists()
    )


def _actor_addresses(event: Event) -> set[str]:
    found = set()
    if event.actor_contact_id and event.actor_contact.email:
        found.add(event.actor_contact.email.lower())
    if event.actor_user_id and event.actor_user.email:
        found.add(event.actor_user.email.lower())
    return found


def digest_requests(watch: WatchArea, *, since: datetime, until: datetime) -> list:
    """Public requests made in (since, until] inside the watched area or rectangle."""
    requests = public_requests(watch.jurisdiction_id).filter(
        requested_at__gt=since, requested_at__lte=until
    )
    if watch.area_id:
        requests = requests.filter(requestarea__area_id=watch.area_id)
    else:
        requests = requests.filter(
            lat__gte=watch.min_lat,
            lat__lte=watch.max_lat,
            long__gte=watch.min_long,
            long__lte=watch.max_long,
        )
    if watch.service_type_id:
        requests = requests.filter(service_type_id=watch.service_type_id)
    return list(requests.order_by("requested_at", "id")[:200])


def due_watches() -> QuerySet[WatchArea]:
    return WatchArea.objects.filter(active=True, confirmed_at__isnull=False).order_by("id")


def _stats(requests: QuerySet[ServiceRequest]) -> dict:
    return requests.aggregate(
        total=Count("id"),
        fixed=Count("id", filter=Q(status=Status.CLOSED, close_reason=CloseReason.FIXED)),
        open=Count("id", filter=Q(status__in=OPEN_STATUSES)),
    )


def reported_by(user) -> QuerySet[ServiceRequest]:
    """Requests reported by any contact linked to this signed-in resident."""
    return ServiceRequest.objects.filter(reporter__user=user)


def followed_by(user) -> QuerySet[ServiceRequest]:
    """Requests this resident follows (as a user or through a linked contact), not their own."""
    follows = Follow.objects.filter(active=True).filter(Q(user=user) | Q(contact__user=user))
    return ServiceRequest.objects.filter(pk__in=follows.values("request_id")).exclude(
        reporter__user=user
    )


def resident_summary(user) -> dict:
    """Counts for "my reports", computed by the database: reported and followed."""
    return {"reported": _stats(reported_by(user)), "followed": _stats(followed_by(user))}


def resident_page(queryset: QuerySet[ServiceRequest]) -> QuerySet[ServiceRequest]:
    return queryset.select_related("service_type", "jurisdiction").order_by("-requested_at", "-id")


def public_request_by_pk(pk) -> ServiceRequest | None:
    """A public request by its database id (as carried by a signed link), or None."""
    if not isinstance(pk, int):
        return None
    return (
        reports_selectors.public_requests()
        .filter(pk=pk)
        .select_related("service_type")
        .only(*only_in_language(("public_id", "address", "service_type__name")))
        .first()
    )
