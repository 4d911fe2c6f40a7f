"""The webhooks' writes: subscriptions (audited configuration), and their deliveries."""

import logging
import secrets
from collections.abc import Collection
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from fixboard.audit import log
from fixboard.audit.models import AuditEntry
from fixboard.core.models import Outbox
from fixboard.core.snapshots import Snapshot, configuration_changed
from fixboard.core.writes import apply_fields, fresh_copy
from fixboard.reports.models import Event

from . import payloads
from .models import Subscription, WebhookDelivery

logger = logging.getLogger(__name__)

SUBSCRIPTION_FIELDS = (
    "jurisdiction",
    "name",
    "target_url",
    "kinds",
    "service_types",
    "areas",
    "max_attempts",
    "active",
)
SECRET_PREFIX = "whsec_"


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def _errors(sub: Subscription, many: dict) -> dict:
    errors = {}
    kinds = sub.kinds if isinstance(sub.kinds, list) else None
    if not kinds or not set(kinds) <= set(Subscription.Kind.values):
        errors["kinds"] = [
            _("Choose one or more of: %(all)s.") % {"all": ", ".join(Subscription.Kind.values)}
        ]
    if sub.max_attempts < 1:
        errors["max_attempts"] = [_("Try at least once.")]
    for name in ("service_types", "areas"):
        if any(o.jurisdiction_id != sub.jurisdiction_id for o in many.get(name, ())):
            errors[name] = [_("Choose only ones of the subscription's jurisdiction.")]
    return errors


def _checked(data: dict, sub: Subscription | None, *, lock: bool):
    current = fresh_copy(Subscription, sub, lock=lock)
    before = log.state(current, SUBSCRIPTION_FIELDS) if current.pk else {}
    errors, many = apply_fields(current, data, SUBSCRIPTION_FIELDS, fixed=("jurisdiction",))
    errors = {**_errors(current, many), **errors}
    if errors:
        raise ValidationError(errors)
    return current, before, many


def check_subscription(*, data: dict, subscription: Subscription | None = None) -> None:
    """Raise the ValidationError `save_subscription` would for `data`, writing nothing."""
    _checked(data, subscription, lock=False)


@transaction.atomic
def save_subscription(
    *, actor: log.Actor, data: dict, subscription: Subscription | None = None
) -> Subscription:
    """Create a subscription (`subscription` None), with a new secret, or change the
    fields named in `data`. The audit log says a secret was set, never what it is."""
    current, before, many = _checked(data, subscription, lock=True)
    created = not current.pk
    if created:
        current.secret = new_secret()
    current.save()
    for name, values in many.items():
        getattr(current, name).set(values)
    log.record_change(
        actor=actor,
        obj=current,
        before=before,
        after=log.state(current, SUBSCRIPTION_FIELDS),
        secrets=["secret"] if created else (),
        jurisdiction=current.jurisdiction,
    )
    configuration_changed()  # its filters too, set after the save
    return current


@transaction.atomic
def rotate_secret(*, actor: log.Actor, subscription: Subscription) -> str:
    """Give the subscription a new secret and return it (to show once); audited."""
    current = fresh_copy(Subscription, subscription, lock=True)
    current.secret = new_secret()
    current.save(update_fields=["secret"])
    log.record_change(
        actor=actor,
        obj=current,
        before={},
        after={},
        action=AuditEntry.Action.KEY_ISSUED,
        secrets=["secret"],
        jurisdiction=current.jurisdiction,
    )
    return current.secret


@dataclass(frozen=True)
class Wanted:
    """What a subscription wants, as the process keeps it."""

    id: int
    kinds: frozenset[str]
    service_type_ids: frozenset[int]
    area_ids: frozenset[int]


def _load_wanted(jurisdiction_id: int) -> tuple[Wanted, ...]:
    subs = Subscription.objects.filter(jurisdiction_id=jurisdiction_id, active=True)
    return tuple(
        Wanted(
            id=sub.pk,
            kinds=frozenset(sub.kinds),
            service_type_ids=frozenset(t.pk for t in sub.service_types.all()),
            area_ids=frozenset(a.pk for a in sub.areas.all()),
        )
        for sub in subs.prefetch_related("service_types", "areas")
    )


# Read for every event: a jurisdiction without subscriptions costs no query.
_wanted = Snapshot("webhooks.subscriptions", _load_wanted, models=(Subscription,))


def matching(event: Event, kind: str) -> list[int]:
    """The ids of the active subscriptions of the event's jurisdiction that want it."""
    request = event.request
    wanted = [w for w in _wanted.get(request.jurisdiction_id) if kind in w.kinds]
    area_ids = set()
    if any(w.area_ids for w in wanted):
        area_ids = set(request.areas.values_list("id", flat=True))
    return [
        w.id
        for w in wanted
        if (not w.service_type_ids or request.service_type_id in w.service_type_ids)
        and (not w.area_ids or w.area_ids & area_ids)
    ]


def queue_deliveries(event: Event, *, only: Collection[int] | None = None) -> list[WebhookDelivery]:
    """A delivery row per subscription that wants this public event (of `only`, if given),
    sent after commit; once per subscription and event (a second announcement adds nothing)."""
    from .tasks import send_delivery  # the task module imports this one

    if not _wanted.get(event.request.jurisdiction_id):
        return []
    kind = payloads.kind_of(event)
    if kind is None:
        return []
    queued = []
    with transaction.atomic():
        for sub_id in matching(event, kind):
            if only is not None and sub_id not in only:
                continue
            try:
                with transaction.atomic():
                    delivery = WebhookDelivery.objects.create(
                        subscription_id=sub_id, event=event, kind=kind, payload={}
                    )
                    delivery.payload = payloads.payload(delivery)
                    delivery.save(update_fields=["payload"])
            except IntegrityError:
                continue
            queued.append(delivery)
        for delivery in queued:
            transaction.on_commit(lambda pk=delivery.pk: send_delivery.enqueue(pk))
    return queued


@transaction.atomic
def retry_delivery(*, delivery: WebhookDelivery, actor) -> bool:
    """Send a given-up delivery again from its first attempt (the admin's manual retry);
    False when it is not given up."""
    from .tasks import send_delivery

    updated = WebhookDelivery.objects.filter(pk=delivery.pk, state=Outbox.State.FAILED).update(
        state=Outbox.State.PENDING, attempts=0, next_attempt_at=None, lease_until=None
    )
    if not updated:
        return False
    logger.info("%s asked to send webhook delivery %s again", actor, delivery.delivery_id)
    transaction.on_commit(lambda: send_delivery.enqueue(delivery.pk))
    return True
