"""Writes of the notify app: the e-mail outbox, sign-in links, watch areas, unsubscribes.

Changes to requests themselves go through fixboard.reports.actions.
"""

import logging
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fixboard.catalog.models import ServiceType
from fixboard.places.models import Area, Jurisdiction
from fixboard.reports import actions as reports
from fixboard.reports import confirmations
from fixboard.reports.models import Contact, Event, Follow, ServiceRequest

from . import selectors, tokens
from .models import Delivery, SignInToken, Unsubscribe, WatchArea

logger = logging.getLogger(__name__)

# Sign-in links per address: at most this many within each window.
SIGN_IN_LIMITS = ((timedelta(minutes=15), 3), (timedelta(days=1), 10))
MAX_BBOX_DEGREES = 0.5
WATCHES_PER_DAY = 5


def queue_event_notifications(*, event_id: int) -> list[int]:
    """One pending delivery per recipient of a public event; returns their ids (idempotent)."""
    event = (
        Event.objects.select_related(
            "request__reporter", "request__service_type", "actor_contact", "actor_user"
        )
        .filter(pk=event_id)
        .first()
    )
    if event is None:
        return []
    recipients = selectors.event_recipients(event)
    Delivery.objects.bulk_create(
        [
            Delivery(kind=Delivery.Kind.UPDATE, email=email, event=event, request=event.request)
            for email in recipients
        ],
        ignore_conflicts=True,
    )
    return list(
        Delivery.objects.filter(
            event=event, email__in=recipients, state=Delivery.State.PENDING
        ).values_list("id", flat=True)
    )


def queue_confirmation(*, event_id: int) -> int | None:
    """The confirmation e-mail for a request submitted awaiting confirmation, if it needs one."""
    event = Event.objects.select_related("request__reporter").filter(pk=event_id).first()
    if event is None or event.kind != Event.Kind.SUBMITTED:
        return None
    request = event.request
    if not request.awaiting_confirmation or not (request.reporter and request.reporter.email):
        return None
    delivery, _created = Delivery.objects.get_or_create(
        event=event,
        email=request.reporter.email,
        defaults={"kind": Delivery.Kind.CONFIRMATION, "request": request},
    )
    return delivery.pk if delivery.state == Delivery.State.PENDING else None


def queue_follow_confirmation(*, event_id: int) -> int | None:
    """The e-mail with the link that confirms a follow asked for on the request page."""
    event = Event.objects.select_related("actor_contact").filter(pk=event_id).first()
    if event is None or event.kind != Event.Kind.FOLLOW_REQUESTED:
        return None
    email = event.actor_contact.email if event.actor_contact else ""
    if not email or Unsubscribe.objects.filter(email=email, request__isnull=True).exists():
        return None
    delivery, _created = Delivery.objects.get_or_create(
        event=event,
        email=email,
        defaults={
            "kind": Delivery.Kind.FOLLOW_CONFIRMATION,
            "request_id": event.request_id,
            "language": event.data.get("language", ""),
        },
    )
    return delivery.pk if delivery.state == Delivery.State.PENDING else None


def queue_comment_confirmation(*, event_id: int) -> int | None:
    """The e-mail with the link that publishes a comment awaiting its author's confirmation."""
    event = Event.objects.select_related("actor_contact").filter(pk=event_id).first()
    if event is None or not event.awaiting_confirmation or event.hidden:
        return None
    email = event.actor_contact.email if event.actor_contact else ""
    if not email:
        return None
    delivery, _created = Delivery.objects.get_or_create(
        event=event,
        email=email,
        defaults={
            "kind": Delivery.Kind.COMMENT_CONFIRMATION,
            "request_id": event.request_id,
            "language": event.data.get("language", ""),
        },
    )
    return delivery.pk if delivery.state == Delivery.State.PENDING else None


def confirm_comment(*, token: str) -> tuple[Event, bool]:
    """Publish the comment of a confirmation link. Returns it and whether it changed."""
    payload = tokens.read("comment", token, max_age=tokens.COMMENT_MAX_AGE)
    comment = (
        Event.objects.select_related("request")
        .filter(pk=payload.get("c"), kind=Event.Kind.PUBLIC_UPDATE)
        .first()
    )
    if comment is None:
        raise tokens.BadLink("no such comment")
    return comment, confirmations.confirm_comment(comment=comment)


def answer_fixed_check(*, token: str, fixed: bool) -> tuple[ServiceRequest, bool]:
    """Record the answer of a "has this been fixed?" link; "no" reopens the request.
    Returns the request and whether the answer was new. ValidationError when the request
    changed since it was asked."""
    payload = tokens.read("fixed", token, max_age=tokens.FIXED_CHECK_MAX_AGE)
    request = ServiceRequest.objects.filter(pk=payload.get("r")).first()
    contact = reports.upsert_contact(reports.ContactDetails(email=payload.get("m", "")))
    if request is None or contact is None:
        raise tokens.BadLink("no such request")
    new = confirmations.answer_fixed_check(
        request=request, close_event_id=payload.get("e"), contact=contact, fixed=fixed
    )
    return request, new


def queue_request_received(
    *, request: ServiceRequest, contact: Contact | None, language: str = ""
) -> Delivery:
    """The e-mail that gives a caller their request's id and link, with their consent."""
    if contact is None or not contact.email:
        raise ValidationError({"email": [_("Find or add the caller's e-mail address first.")]})
    if not contact.may_email:
        raise ValidationError(
            {"email": [_("The caller has not agreed to e-mails: ask them, and tick the box.")]}
        )
    return Delivery.objects.create(
        kind=Delivery.Kind.REQUEST_RECEIVED,
        email=_normalize_email(contact.email),
        request=request,
        language=language,
    )


def sla_breach_recipients(event: Event) -> list[str]:
    """The addresses of the active managers of the department the breached request is with."""
    department_id = event.request.department_id
    if not department_id:
        return []
    User = get_user_model()
    emails = (
        User.objects.filter(role=User.Role.MANAGER, is_active=True, departments=department_id)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    return sorted({_normalize_email(e) for e in emails})


def queue_sla_breach(*, event_id: int) -> list[int]:
    """One pending e-mail per manager of the department of a request that went past its SLA
    due time; returns their ids (idempotent: one per event and address)."""
    event = Event.objects.select_related("request").filter(pk=event_id).first()
    if event is None or event.kind != Event.Kind.SLA_BREACHED:
        return []
    recipients = sla_breach_recipients(event)
    Delivery.objects.bulk_create(
        [
            Delivery(kind=Delivery.Kind.SLA_BREACH, email=email, event=event, request=event.request)
            for email in recipients
        ],
        ignore_conflicts=True,
    )
    return list(
        Delivery.objects.filter(
            event=event, email__in=recipients, state=Delivery.State.PENDING
        ).values_list("id", flat=True)
    )


def _normalize_email(email: str) -> str:
    return email.strip().lower()


def request_sign_in(*, email: str, language: str = "") -> Delivery:
    """A fresh sign-in link for this address, unless too many were sent lately."""
    email = _normalize_email(email)
    now = timezone.now()
    for window, limit in SIGN_IN_LIMITS:
        if SignInToken.objects.filter(email=email, created_at__gte=now - window).count() >= limit:
            raise ValidationError(
                {
                    "email": [
                        _(
                            "We have sent several sign-in links to this address recently. "
                            "Use the latest one, or try again later."
                        )
                    ]
                }
            )
    with transaction.atomic():
        token = SignInToken.objects.create(email=email, expires_at=now + tokens.SIGN_IN_MAX_AGE)
        return Delivery.objects.create(
            kind=Delivery.Kind.SIGN_IN, email=email, sign_in=token, language=language
        )


def _resident_for(email: str):
    User = get_user_model()
    user = User.objects.filter(email__iexact=email).order_by("id").first()
    if user is None:
        free = len(email) <= 150 and not User.objects.filter(username=email).exists()
        username = email if free else f"resident-{timezone.now():%Y%m%d%H%M%S%f}"
        user = User(username=username, email=email)
        user.set_unusable_password()
        user.save()
    elif not user.is_active:
        raise ValidationError({"token": [_("This account is disabled.")]})
    elif user.role != User.Role.RESIDENT or user.is_staff:
        # City staff sign in with their password (and whatever the city adds to it), never by
        # a link anyone who reads their mailbox could use.
        raise ValidationError(
            {"token": [_("This address belongs to a staff account: sign in with your password.")]}
        )
    return user


@transaction.atomic
def sign_in(*, token: str):
    """The resident a sign-in link is for; the link is used up. Raises BadLink/ExpiredLink."""
    payload = tokens.read("sign_in", token, max_age=tokens.SIGN_IN_MAX_AGE)
    now = timezone.now()
    used = SignInToken.objects.filter(
        pk=payload.get("t"), email=payload.get("e"), used_at__isnull=True, expires_at__gt=now
    ).update(used_at=now)
    if not used:
        raise tokens.ExpiredLink("already used")
    user = _resident_for(payload["e"])
    reports.claim_contacts(user=user, email=payload["e"])
    return user


def confirm_request(*, token: str) -> tuple[ServiceRequest, bool]:
    """Make the request of a confirmation link live. Returns it and whether it changed."""
    payload = tokens.read("confirm", token, max_age=tokens.CONFIRM_MAX_AGE)
    request = ServiceRequest.objects.select_related("reporter").filter(pk=payload.get("r")).first()
    if request is None:
        raise tokens.BadLink("no such request")
    changed = reports.confirm_request(request=request, actor=request.reporter or "e-mail link")
    return request, changed


def confirm_follow(*, token: str) -> tuple[ServiceRequest, bool]:
    """Start following by e-mail from the link of the follow confirmation e-mail.

    Returns the request and whether the address was not following it yet. An earlier
    unsubscribe from this request is lifted: its owner asked again.
    """
    payload = tokens.read("follow", token, max_age=tokens.FOLLOW_MAX_AGE)
    request = ServiceRequest.objects.filter(pk=payload.get("r")).first()
    contact = Contact.objects.filter(pk=payload.get("c")).exclude(email="").first()
    if request is None or contact is None:
        raise tokens.BadLink("no such request or contact")
    with transaction.atomic():
        Unsubscribe.objects.filter(email=contact.email, request=request).delete()
        changed = reports.confirm_follow(request=request, contact=contact)
    return request, changed


def subscribe_watch(
    *,
    jurisdiction: Jurisdiction,
    email: str,
    area: Area | None = None,
    bbox: tuple[float, float, float, float] | None = None,
    service_type: ServiceType | None = None,
    language: str = "",
) -> WatchArea:
    """A watch area waiting for its confirmation link; bbox is (min_lat, min_long, max_lat,
    max_long)."""
    errors = {}
    if (area is None) == (bbox is None):
        errors["area"] = [_("Choose an area or draw a rectangle on the map.")]
    if area is not None and area.jurisdiction_id != jurisdiction.pk:
        errors["area"] = [_("%(a)s is not in %(j)s.") % {"a": area.name, "j": jurisdiction.name}]
    if bbox is not None:
        errors.update(_check_bbox(bbox))
    if service_type is not None and service_type.jurisdiction_id != jurisdiction.pk:
        errors["service_type"] = [_("Choose one of this city's kinds of problem.")]
    recent = WatchArea.objects.filter(
        email=_normalize_email(email), created_at__gte=timezone.now() - timedelta(days=1)
    )
    if recent.count() >= WATCHES_PER_DAY:
        errors["email"] = [
            _("This address asked for several digests today. Confirm those, or try tomorrow.")
        ]
    if errors:
        raise ValidationError(errors)
    corners = dict(zip(("min_lat", "min_long", "max_lat", "max_long"), bbox or (), strict=False))
    with transaction.atomic():
        watch = WatchArea.objects.create(
            jurisdiction=jurisdiction,
            email=_normalize_email(email),
            area=area,
            service_type=service_type,
            language=language,
            **corners,
        )
        Delivery.objects.create(
            kind=Delivery.Kind.WATCH_CONFIRMATION,
            email=watch.email,
            watch=watch,
            language=language,
        )
    return watch


def _check_bbox(bbox) -> dict:
    min_lat, min_long, max_lat, max_long = bbox
    if not (-90 <= min_lat < max_lat <= 90 and -180 <= min_long < max_long <= 180):
        return {"bbox": [_("Draw the rectangle again: its corners are not valid.")]}
    if max_lat - min_lat > MAX_BBOX_DEGREES or max_long - min_long > MAX_BBOX_DEGREES:
        return {"bbox": [_("Draw a smaller rectangle: a neighbourhood, not a region.")]}
    return {}


def confirm_watch(*, token: str) -> WatchArea:
    """Start the daily digest of a watch area from its confirmation link."""
    payload = tokens.read("watch", token, max_age=tokens.CONFIRM_MAX_AGE)
    watch = WatchArea.objects.filter(pk=payload.get("w")).first()
    if watch is None:
        raise tokens.BadLink("no such watch area")
    if watch.confirmed_at is None:
        watch.confirmed_at = watch.covered_until = timezone.now()
        watch.active = True
        watch.save(update_fields=["confirmed_at", "covered_until", "active"])
    return watch


def unsubscribe(*, token: str) -> str:
    """Stop what an unsubscribe link names; returns a sentence saying what stopped."""
    payload = tokens.read("unsubscribe", token)
    if "w" in payload:
        watch = WatchArea.objects.filter(pk=payload["w"]).first()
        if watch is None:
            raise tokens.BadLink("no such watch area")
        WatchArea.objects.filter(pk=watch.pk).update(active=False)
        return _("You will get no more digests for %(p)s.") % {"p": watch.describe()}
    request = ServiceRequest.objects.filter(pk=payload.get("r")).first()
    email = _normalize_email(payload.get("e", ""))
    if request is None or not email:
        raise tokens.BadLink("no such request")
    try:
        with transaction.atomic():
            Unsubscribe.objects.create(email=email, request=request)
    except IntegrityError:
        pass
    _unfollow_address(request, email)
    return _("You will get no more e-mails about %(id)s.") % {"id": request.public_id}


def _unfollow_address(request: ServiceRequest, email: str) -> None:
    follows = Follow.objects.filter(request=request, active=True).select_related("contact", "user")
    for follow in follows:
        if follow.contact and follow.contact.email.lower() == email:
            reports.unfollow(request=request, actor=follow.contact)
        elif follow.user and follow.user.email.lower() == email:
            reports.unfollow(request=request, actor=follow.user)


def queue_digest(*, watch_id: int, until: datetime) -> int | None:
    """The digest delivery of new requests since the last one; None when there are none."""
    with transaction.atomic():
        watch = WatchArea.objects.select_for_update().filter(pk=watch_id, active=True).first()
        if watch is None or watch.confirmed_at is None:
            return None
        since = watch.covered_until or watch.confirmed_at
        if since >= until:
            return None
        found = selectors.digest_requests(watch, since=since, until=until)
        watch.covered_until = until
        watch.save(update_fields=["covered_until"])
        if not found:
            return None
        delivery = Delivery.objects.create(
            kind=Delivery.Kind.DIGEST,
            email=watch.email,
            watch=watch,
            request_ids=[r.pk for r in found],
            language=watch.language,
        )
    return delivery.pk
