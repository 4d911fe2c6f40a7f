"""One constructor per kind of timeline event. Call them only inside a domain function."""

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import DatabaseError, transaction

from .models import Contact, Event, ServiceRequest
from .signals import event_recorded

Actor = AbstractBaseUser | Contact | str | None
logger = logging.getLogger(__name__)
# Set by `announcements_batched`: committed events wait there to be announced together.
_batch: ContextVar[list[Event] | None] = ContextVar("announcement_batch", default=None)
# Set while a batch is announced: listeners' work put off to run once for the whole batch.
_deferred: ContextVar[dict[Callable, list] | None] = ContextVar("batch_work", default=None)


def actor_fields(actor: Actor) -> dict:
    """Who did it: a signed-in user, a resident's contact, or a named system ("import")."""
    if isinstance(actor, Contact):
        return {"actor_contact": actor}
    if isinstance(actor, str):
        return {"actor_system": actor}
    if actor is not None and actor.is_authenticated:
        return {"actor_user": actor}
    return {}


def record(request: ServiceRequest, kind: str, *, actor: Actor, at: datetime, **fields) -> Event:
    event = Event.objects.create(
        request=request, kind=kind, created_at=at, **actor_fields(actor), **fields
    )
    transaction.on_commit(lambda: _announce_or_hold(event), robust=True)
    return event


def _announce_or_hold(event: Event) -> None:
    batch = _batch.get()
    if batch is None:
        announce(event)
    else:
        batch.append(event)


@contextmanager
def announcements_batched() -> Iterator[None]:
    """Hold the announcements of the events committed inside, then send them all in one
    transaction (each event in a savepoint of its own): a bulk action's listeners (map
    counts, queued e-mails) then commit once instead of once or twice per event, and those
    that can do their work for all the events at once (`once_per_batch`) do.

    An event whose listeners failed at the database is left to the worker's reconcile, as
    when a single announcement fails.
    """
    held: list[Event] = []
    token = _batch.set(held)
    try:
        yield
    finally:
        _batch.reset(token)
        if held:
            _announce_all(held)


def _announce_all(held: list[Event]) -> None:
    deferred: dict[Callable, list] = {}
    try:
        with transaction.atomic():
            token = _deferred.set(deferred)
            try:
                for event in held:
                    try:
                        with transaction.atomic():
                            announce(event)
                    except DatabaseError:
                        logger.exception(
                            "Could not announce event %s; the reconcile will", event.pk
                        )
            finally:
                _deferred.reset(token)
            for work, items in deferred.items():
                _run_deferred(work, items)
    except DatabaseError:
        # The events are committed: their changes stand, the worker's reconcile announces.
        logger.exception("Could not announce %d events; the reconcile will", len(held))


def _run_deferred(work: Callable[[list], None], items: list) -> None:
    """`work(items)` in a savepoint; should it fail, each item on its own, so that one bad
    item leaves only its own work to the reconcile, as a single announcement would."""
    try:
        with transaction.atomic():
            work(items)
        return
    except Exception:
        if len(items) == 1:
            logger.exception("%s failed on %s; the reconcile will", work.__qualname__, items)
            return
    for item in items:
        try:
            with transaction.atomic():
                work([item])
        except Exception:
            logger.exception("%s failed on %s; the reconcile will", work.__qualname__, item)


def once_per_batch(work: Callable[[list], None], item) -> bool:
    """For a listener of `event_recorded`: while a batch of events is announced
    (`announcements_batched`), add `item` to the list `work` is called with once, after the
    batch's last event, in the same transaction: a bulk close then recounts the map cells of
    its 50 requests in a few statements, not 150. Returns False outside a batch: the
    listener then does its work for this event itself."""
    deferred = _deferred.get()
    if deferred is None:
        return False
    deferred.setdefault(work, []).append(item)
    return True


def announce(event: Event) -> None:
    """Send `event_recorded` to every receiver, whatever one of them raises.

    The change is committed: a failing receiver must not turn it into an error page, nor keep
    the others (or later on-commit work) from running. Django logs its error with the
    traceback; the worker's reconcile (WORKER_RECONCILERS) repairs what it dropped.
    """
    event_recorded.send_robust(
        sender=Event, event=event, event_id=event.pk, request_id=event.request_id, kind=event.kind
    )


def submitted(request, *, actor, at, kind=Event.Kind.SUBMITTED) -> Event:
    return record(
        request,
        kind,
        actor=actor,
        at=at,
        to_status=request.status,
        data={"channel": request.channel},
    )


def status_changed(
    request,
    *,
    actor,
    at,
    from_status,
    note="",
    public=True,
    external_id="",
    media_url="",
    referred_to="",
) -> Event:
    data = _media(media_url)
    if referred_to:
        data["referred_to"] = referred_to
    return record(
        request,
        Event.Kind.STATUS_CHANGED,
        actor=actor,
        at=at,
        public=public,
        from_status=from_status,
        to_status=request.status,
        close_reason=request.close_reason,
        text=note,
        external_id=external_id,
        data=data,
    )


def update(
    request, *, actor, at, text, public, external_id="", media_url="", awaiting_confirmation=False
) -> Event:
    kind = Event.Kind.PUBLIC_UPDATE if public else Event.Kind.INTERNAL_NOTE
    return record(
        request,
        kind,
        actor=actor,
        at=at,
        public=public,
        text=text,
        external_id=external_id,
        data=_media(media_url),
        awaiting_confirmation=awaiting_confirmation,
    )


def _media(media_url: str) -> dict:
    # A link to a picture hosted elsewhere (a CRM's photo of the work done).
    return {"media_url": media_url} if media_url else {}


def assigned(request, *, actor, at, public, data) -> Event:
    return record(request, Event.Kind.ASSIGNED, actor=actor, at=at, public=public, data=data)


def merged(duplicate, canonical, *, actor, at, note="") -> tuple[Event, Event]:
    return (
        record(
            duplicate,
            Event.Kind.MERGED,
            actor=actor,
            at=at,
            text=note,
            from_status=duplicate.status,
            to_status=duplicate.status,
            close_reason=duplicate.close_reason,
            data={"canonical": canonical.public_id},
        ),
        record(
            canonical,
            Event.Kind.DUPLICATE_ADDED,
            actor=actor,
            at=at,
            data={"duplicate": duplicate.public_id},
        ),
    )


def photo_added(request, *, actor, at, public=True) -> Event:
    return record(request, Event.Kind.PHOTO_ADDED, actor=actor, at=at, public=public)


def supported(request, *, actor, at) -> Event:
    return record(
        request,
        Event.Kind.SUPPORTED,
        actor=actor,
        at=at,
        data={"supporters": request.support_count},
    )


def followed(request, *, actor, at) -> Event:
    return record(request, Event.Kind.FOLLOWED, actor=actor, at=at, public=False)


def confirmed(request, *, actor, at) -> Event:
    return record(request, Event.Kind.CONFIRMED, actor=actor, at=at)


def follow_requested(request, *, actor, at, language="") -> Event:
    # The language of the page, so the confirmation e-mail speaks it.
    return record(
        request,
        Event.Kind.FOLLOW_REQUESTED,
        actor=actor,
        at=at,
        public=False,
        data={"language": language} if language else {},
    )


def comment_flagged(request, *, actor, at, comment) -> Event:
    return record(
        request,
        Event.Kind.COMMENT_FLAGGED,
        actor=actor,
        at=at,
        public=False,
        data={"comment": comment.pk},
    )


def comment_moderated(request, *, actor, at, comment, reason) -> Event:
    """COMMENT_HIDDEN or COMMENT_RESTORED, by the comment's new state; staff only."""
    kind = Event.Kind.COMMENT_HIDDEN if comment.hidden else Event.Kind.COMMENT_RESTORED
    return record(
        request, kind, actor=actor, at=at, public=False, text=reason, data={"comment": comment.pk}
    )


def sla_breached(request, *, actor, at, due) -> Event:
    """The request went past its SLA due time `due` while open; staff only."""
    return record(
        request,
        Event.Kind.SLA_BREACHED,
        actor=actor,
        at=at,
        public=False,
        data={"expected_at": due.isoformat(), "department": request.department_id},
    )


def rule_applied(request, *, actor, at, rule, trigger, actions, escalated=False) -> Event:
    """An automation rule acted (internal): which rule, on which trigger, what it did."""
    return record(
        request,
        Event.Kind.RULE_APPLIED,
        actor=actor,
        at=at,
        public=False,
        text=rule.name,
        data={
            "rule": rule.name,
            "rule_id": rule.pk,
            "trigger": trigger,
            "actions": actions,
            "escalated": escalated,
        },
    )


def caller_added(request, *, actor, at, contact: Contact) -> Event:
    """A caller added to the request by a call-taker (`actor`). Public, as "another
    resident reported this by phone": the contact stays in `data`, which no public door
    shows."""
    return record(
        request, Event.Kind.CALLER_ADDED, actor=actor, at=at, data={"contact": contact.pk}
    )


def comment_confirmed(request, *, actor, at, comment) -> Event:
    """A comment's author followed the e-mailed link: the comment is public (staff only)."""
    return record(
        request,
        Event.Kind.COMMENT_CONFIRMED,
        actor=actor,
        at=at,
        public=False,
        data={"comment": comment.pk},
    )


def fix_confirmed(request, *, actor, at, close_event) -> Event:
    """A resident answered "yes, it is fixed" to the e-mail after the close (staff only: the
    request page shows the count)."""
    return record(
        request,
        Event.Kind.FIX_CONFIRMED,
        actor=actor,
        at=at,
        public=False,
        data={"close_event": close_event.pk},
    )
