"""The rules a service type's questions (Open311 attributes) must follow, for every door."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .models import AttributeDefinition

FIELDS = (
    "code",
    "description",
    "datatype",
    "datatype_description",
    "required",
    "variable",
    "order",
    "values",
)
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


def checked_questions(questions: list[dict]) -> list[dict]:
    """The questions with defaults filled in, or ValidationError naming each problem as
    `question[CODE].FIELD` (or `question[N]` by position when the code is missing)."""
    errors: dict[str, list[str]] = {}
    checked, seen = [], set()
    for number, data in enumerate(questions, start=1):
        unknown = set(data) - {*FIELDS, "id"}
        if unknown:
            raise TypeError(f"unknown question fields {sorted(unknown)}")
        question = AttributeDefinition(**{k: v for k, v in data.items() if k != "id"})
        name = f"question[{question.code or number}]"
        if question.values is None:
            question.values = []
        # Other servers' hidden fields (mySociety's `automated`) come without question text;
        # the admin form still asks for one.
        exclude = ["service_type"] if question.description else ["service_type", "description"]
        try:
            question.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors.setdefault(f"{name}.{field}", []).extend(messages)
        for message in choice_errors(question.datatype, question.values):
            errors.setdefault(f"{name}.values", []).append(message)
        if question.code in seen:
            errors.setdefault(f"{name}.code", []).append(_("Each question needs its own code."))
        seen.add(question.code)
        checked.append({"id": data.get("id"), **{f: getattr(question, f) for f in FIELDS}})
    if errors:
        raise ValidationError(errors)
    return checked
