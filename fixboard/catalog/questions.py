"""The rules a service type's questions (Open311 attributes) must follow, for every door."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from . import languages as lang
from .models import AttributeDefinition

# A question's texts are accepted plain (the default language) or per language (`values_es`).
FIELDS = lang.with_columns(
    "AttributeDefinition",
    (
        "code",
        "description",
        "datatype",
        "datatype_description",
        "required",
        "variable",
        "order",
        "values",
        "whole_number",
        "minimum",
        "maximum",
    ),
)
STORED = lang.stored("AttributeDefinition", FIELDS)
LIST_TYPES = {
    AttributeDefinition.Datatype.SINGLEVALUELIST,
    AttributeDefinition.Datatype.MULTIVALUELIST,
}


def choice_errors(datatype: str, values) -> list[str]:
    """What is wrong with a question's choices (`values`), if anything."""
    values = [] if values is None else values
    if not isinstance(values, list) or not all(
        isinstance(v, dict) and str(v.get("key", "")).strip() and str(v.get("name", "")).strip()
        for v in values
    ):
        return [
            _("Write a list of choices, each with a key and a name: %(e)s")
            % {"e": '[{"key": "sofa", "name": "Sofa"}]'}
        ]
    keys = [str(v["key"]) for v in values]
    if len(set(keys)) != len(keys):
        return [_("Each choice needs its own key.")]
    if datatype in LIST_TYPES and not values:
        return [_("A list question needs its choices.")]
    if datatype and datatype not in LIST_TYPES and values:
        return [_("Only list questions have choices; empty this field.")]
    return []


def translation_errors(values, translated) -> list[str]:
    """What is wrong with a translation of a question's choices: it names the same keys."""
    if not translated:
        return []  # not translated: the default language's names show
    keys = [str(v.get("key")) for v in values or ()]
    if (
        not isinstance(translated, list)
        or [str(v.get("key")) if isinstance(v, dict) else None for v in translated] != keys
    ):
        return [
            _("Translate each choice's name and keep its key, in the same order: %(k)s")
            % {"k": ", ".join(keys)}
        ]
    if not all(str(v.get("name", "")).strip() for v in translated):
        return [_("Each choice needs a name.")]
    return []


def _all_choice_errors(question: AttributeDefinition):
    """(field, message) for the default language's choices and each translation of them."""
    default, *others = lang.columns("values")
    values = getattr(question, default)
    for message in choice_errors(question.datatype, values):
        yield "values", message
    for column in others:
        for message in translation_errors(values, getattr(question, column)):
            yield column, message


def limit_errors(datatype: str, whole_number: bool, minimum, maximum) -> list[str]:
    """What is wrong with a question's limits on its answers, if anything."""
    if datatype != AttributeDefinition.Datatype.NUMBER:
        if whole_number or minimum is not None or maximum is not None:
            return [_("Only number questions have limits; empty them.")]
        return []
    if minimum is not None and maximum is not None and minimum > maximum:
        return [_("The smallest answer is larger than the largest.")]
    return []


def _shown(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def limits_hint(whole_number: bool, minimum, maximum) -> str:
    """A sentence saying what a number question accepts, e.g. "A whole number from 1 to 20."."""
    low = None if minimum is None else _shown(minimum)
    high = None if maximum is None else _shown(maximum)
    if low is not None and high is not None:
        if whole_number:
            return _("A whole number from %(a)s to %(b)s.") % {"a": low, "b": high}
        return _("A number from %(a)s to %(b)s.") % {"a": low, "b": high}
    if low is not None:
        if whole_number:
            return _("A whole number of at least %(a)s.") % {"a": low}
        return _("A number of at least %(a)s.") % {"a": low}
    if high is not None:
        if whole_number:
            return _("A whole number of at most %(b)s.") % {"b": high}
        return _("A number of at most %(b)s.") % {"b": high}
    return _("A whole number.") if whole_number else ""


def checked_questions(questions: list[dict]) -> list[dict]:
    """The questions with defaults filled in, or ValidationError naming each problem as
    `question[CODE].FIELD` (or `question[N]` by position when the code is missing)."""
    errors: dict[str, list[str]] = {}
    checked, seen = [], set()
    for number, data in enumerate(questions, start=1):
        unknown = set(data) - {*FIELDS, "id"}
        if unknown:
            raise TypeError(f"unknown question fields {sorted(unknown)}")
        data = lang.in_default_language("AttributeDefinition", data)
        question = AttributeDefinition(**{k: v for k, v in data.items() if k != "id"})
        name = f"question[{question.code or number}]"
        for column in lang.columns("values"):
            if getattr(question, column) is None:
                setattr(question, column, [])
        # Other servers' hidden fields (mySociety's `automated`) come without question text;
        # the admin form still asks for one.
        exclude = ["service_type"] if question.description else ["service_type", "description"]
        try:
            question.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors.setdefault(f"{name}.{field}", []).extend(messages)
        for field, message in _all_choice_errors(question):
            errors.setdefault(f"{name}.{field}", []).append(message)
        for message in limit_errors(
            question.datatype, question.whole_number, question.minimum, question.maximum
        ):
            errors.setdefault(f"{name}.minimum", []).append(message)
        if question.code in seen:
            errors.setdefault(f"{name}.code", []).append(_("Each question needs its own code."))
        seen.add(question.code)
        with lang.saving():
            checked.append({"id": data.get("id"), **{f: getattr(question, f) for f in STORED}})
    if errors:
        raise ValidationError(errors)
    return checked
