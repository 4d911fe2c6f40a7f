"""Recording configuration changes. Call only inside a domain function's transaction.

A change is stored as {field: [before, after]} of the fields that changed, in JSON a person
can read: related objects by name, dates as ISO 8601. Secret fields (passwords, key hashes)
are never passed to `state`: `secret_changed` says that one changed, never what it holds.
"""

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.db import models

from .models import AuditEntry

Actor = AbstractBaseUser | str | None
SECRET = "[hidden]"
SYSTEM = "system"


def _plain(value):
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def state(obj: models.Model, fields: Iterable[str]) -> dict:
    """The named fields of `obj` as the log shows them; many-to-many fields as sorted names."""
    result = {}
    for name in fields:
        field = obj._meta.get_field(name)
        if field.many_to_many:
            value = sorted(str(o) for o in getattr(obj, name).all()) if obj.pk else []
        else:
            value = getattr(obj, name)
        result[name] = _plain(value)
    return result


def diff(before: dict, after: dict) -> dict:
    """{field: [before, after]} for the fields whose value differs."""
    names = list(dict.fromkeys([*before, *after]))
    return {
        name: [before.get(name), after.get(name)]
        for name in names
        if before.get(name) != after.get(name)
    }


def secret_changed(name: str) -> dict:
    """The change of a secret field, told without its value."""
    return {name: [SECRET, SECRET]}


def _actor_fields(actor: Actor) -> dict:
    if isinstance(actor, str):
        return {"actor": actor[:150] or SYSTEM}
    if actor is not None and actor.is_authenticated:
        return {"actor_user": actor, "actor": actor.get_username()[:150]}
    return {"actor": SYSTEM}


def _entry(actor_fields: dict, action: str, obj: models.Model, changes: dict, jurisdiction):
    return AuditEntry(
        **actor_fields,
        action=action,
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        jurisdiction=jurisdiction,
        changes=changes,
    )


def record(
    *, actor: Actor, action: str, obj: models.Model, changes: dict, jurisdiction=None
) -> AuditEntry:
    """Write one entry for a change to `obj`."""
    entry = _entry(_actor_fields(actor), action, obj, changes, jurisdiction)
    entry.save()
    return entry


def _action(before: dict, changes: dict) -> str:
    if not before:
        return AuditEntry.Action.CREATED
    if changes == {"active": [True, False]}:
        return AuditEntry.Action.DEACTIVATED
    return AuditEntry.Action.CHANGED


def record_change(
    *,
    actor: Actor,
    obj: models.Model,
    before: dict,
    after: dict,
    action: str = "",
    secrets: Iterable[str] = (),
    **extra,
) -> AuditEntry | None:
    """An entry for `obj` going from state `before` ({} when it was just created) to
    `after`, and for the `secrets` that changed; None when nothing changed."""
    changes = diff(before, after)
    for name in secrets:
        changes.update(secret_changed(name))
    if not changes and before:
        return None
    if not action:
        action = _action(before, changes)
    return record(actor=actor, action=action, obj=obj, changes=changes, **extra)


def record_created(
    *, actor: Actor, objects: Sequence[models.Model], fields: Sequence[str], jurisdiction=None
) -> list[AuditEntry]:
    """One "created" entry per object, written in one statement (imports create hundreds)."""
    who = _actor_fields(actor)
    return AuditEntry.objects.bulk_create(
        _entry(who, AuditEntry.Action.CREATED, obj, diff({}, state(obj, fields)), jurisdiction)
        for obj in objects
    )
