"""Validation of answers to a service type's questions (Open311 attributes)."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from fixboard.catalog.models import AttributeDefinition, ServiceType
from fixboard.catalog.questions import limits_hint

from .text import clean_text

Datatype = AttributeDefinition.Datatype
MAX_TEXT = 4000


def _number(definition: AttributeDefinition, value) -> int | float:
    """The number answered, within the question's limits (whole, smallest, largest)."""
    try:
        number = float(str(value).strip())
    except ValueError as exc:
        raise ValueError(_("Enter a number.")) from exc
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError(_("Enter a number."))
    low, high = definition.minimum, definition.maximum
    if (
        (definition.whole_number and not number.is_integer())
        or (low is not None and number < low)
        or (high is not None and number > high)
    ):
        hint = limits_hint(definition.whole_number, low, high)
        raise ValueError(_("%(v)s is not allowed: %(h)s") % {"v": str(value).strip(), "h": hint})
    return int(number) if number.is_integer() else number


def _datetime(value) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    parsed = parse_datetime(str(value).strip())
    if parsed is None:
        raise ValueError(_("Enter a date and time such as 2024-05-01T14:30:00-07:00."))
    return parsed.isoformat()


def _text(value, limit: int) -> str:
    text = clean_text(str(value))
    if len(text) > limit:
        raise ValueError(_("Keep it under %(n)d characters.") % {"n": limit})
    return text


def _choices(definition: AttributeDefinition, value) -> list[str]:
    values = value if isinstance(value, list | tuple) else [value]
    chosen = [str(v).strip() for v in values if str(v).strip()]
    allowed = definition.value_keys
    unknown = [v for v in chosen if v not in allowed]
    if unknown:
        raise ValueError(
            _("%(v)s is not one of the choices (%(a)s).")
            % {"v": ", ".join(unknown), "a": ", ".join(allowed)}
        )
    if definition.datatype == Datatype.SINGLEVALUELIST and len(chosen) > 1:
        raise ValueError(_("Choose only one."))
    return chosen


def clean_value(definition: AttributeDefinition, value):
    """The stored form of one answer, or ValueError with a message for the resident."""
    match definition.datatype:
        case Datatype.NUMBER:
            return _number(definition, value)
        case Datatype.DATETIME:
            return _datetime(value)
        case Datatype.STRING:
            return _text(value, 500)
        case Datatype.TEXT:
            return _text(value, MAX_TEXT)
        case Datatype.SINGLEVALUELIST:
            chosen = _choices(definition, value)
            return chosen[0] if chosen else ""
        case _:
            return _choices(definition, value)


def _is_empty(value) -> bool:
    if isinstance(value, list | tuple):
        return not any(str(v).strip() for v in value)
    return value is None or str(value).strip() == ""


def clean_attributes(service_type: ServiceType, answers: dict) -> dict:
    """Answers checked against the service type's questions, keyed by attribute code.

    Raises ValidationError with one entry per faulty question, named `attribute[code]`.
    """
    definitions = {d.code: d for d in service_type.attributes.all() if d.variable}
    errors: dict[str, list[str]] = {}
    cleaned = {}
    for code in answers:
        if code not in definitions:
            errors[f"attribute[{code}]"] = [
                _("%(s)s has no question %(c)s.") % {"s": service_type.name, "c": code}
            ]
    for code, definition in definitions.items():
        value = answers.get(code)
        if _is_empty(value):
            if definition.required:
                errors[f"attribute[{code}]"] = [
                    _("Please answer: %(q)s") % {"q": definition.description}
                ]
            continue
        try:
            cleaned[code] = clean_value(definition, value)
        except ValueError as exc:
            errors[f"attribute[{code}]"] = [str(exc)]
    if errors:
        raise ValidationError(errors)
    return cleaned
