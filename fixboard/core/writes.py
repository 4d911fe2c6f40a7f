"""Helpers for domain functions that write configuration from a dict of field values."""

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _


def fresh_copy(model, obj, *, lock: bool):
    """`obj` as the database holds it (locked, when about to write), or a new instance."""
    if obj is None or obj.pk is None:
        return model()
    queryset = model.objects.select_for_update() if lock else model.objects
    return queryset.get(pk=obj.pk)


def _value_id(value):
    return value.pk if isinstance(value, models.Model) else value


def apply_fields(
    obj,
    data: dict,
    fields: Sequence[str],
    *,
    fixed: Sequence[str] = (),
    exclude: Sequence[str] = (),
    validate_unique: bool = False,
) -> tuple[dict, dict]:
    """Set `data` on `obj`, checked as the model declares its fields.

    Returns (errors per field, many-to-many values to set once `obj` is saved). A field
    in `fixed` may not change once saved; one not in `fields` is a programming error.
    """
    unknown = set(data) - set(fields)
    if unknown:
        raise TypeError(f"unknown fields {sorted(unknown)}")
    errors: dict[str, list[str]] = {}
    many: dict = {}
    for name, value in data.items():
        field = obj._meta.get_field(name)
        if field.many_to_many:
            many[name] = list(value)
        elif obj.pk and name in fixed and _value_id(value) != getattr(obj, field.attname):
            errors[name] = [_("This cannot change once saved.")]
        else:
            setattr(obj, name, value)
    skip = [*exclude, *many, *errors]
    try:
        obj.full_clean(exclude=skip, validate_unique=validate_unique, validate_constraints=False)
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    return errors, many
