"""The only way to change the catalog: departments, service types with their questions,
routing rules, business calendars with their exceptions, canned responses, automation
rules, the city's phone lines and their on-hold messages.

Each function validates (ValidationError with errors per field), writes in one
transaction, records the change on the audit log (who, before → after) and has the
configuration cache forget the catalog once the change commits. `actor` is the user who
made the change, or the name of the command or system that did.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from fixboard.audit import log
from fixboard.audit.models import AuditEntry
from fixboard.core.phones import phone_or_blank
from fixboard.core.snapshots import configuration_changed
from fixboard.core.writes import apply_fields, fresh_copy
from fixboard.places.models import Jurisdiction

from . import calendars
from . import languages as lang
from . import questions as question_rules
from .canned import placeholder_errors
from .models import (
    WEEKDAYS,
    AttributeDefinition,
    AutomationRule,
    BusinessCalendar,
    CalendarException,
    CallTopic,
    CannedResponse,
    CrmEndpoint,
    Department,
    HoldMessage,
    PhoneLine,
    RoutingRule,
    ServiceType,
)

# Translated texts are accepted plain (the default language) or by column (`name_es`).
DEPARTMENT_FIELDS = lang.with_columns(
    "Department", ("jurisdiction", "code", "name", "email", "active", "notice", "notice_hour")
)
SERVICE_TYPE_FIELDS = lang.with_columns(
    "ServiceType",
    (
        "jurisdiction",
        "code",
        "name",
        "group",
        "description",
        "notice",
        "keywords",
        "default_department",
        "sla_value",
        "sla_unit",
        "severity",
        "type",
        "requires_confirmation",
        "after_photo_required",
        "call_script",
        "active",
        "public",
    ),
)
CALENDAR_FIELDS = ("jurisdiction", "country", "subdivision", *WEEKDAYS)
EXCEPTION_FIELDS = ("day", "name", "kind", "hours")
ROUTING_RULE_FIELDS = (
    "jurisdiction",
    "order",
    "service_type",
    "area",
    "department",
    "crm_endpoint",
)
CRM_ENDPOINT_FIELDS = (
    "jurisdiction",
    "name",
    "base_url",
    "remote_jurisdiction_id",
    "format",
    "service_codes",
    "attribute_codes",
    "statuses",
    "id_attribute",
    "notes_public",
    "poll",
    "poll_minutes",
    "max_attempts",
    "push_client",
    "active",
)
# What a status mapping may say: an extended status, or Fixboard's own status code
# (reports.open311_statuses.target_of_code reads them; tests/bridge checks the two agree).
CRM_STATUS_VALUES = (
    "new",
    "acknowledged",
    "in_progress",
    "closed",
    "closed:fixed",
    "closed:duplicate",
    "closed:not_actionable",
    "closed:referred",
    "closed:cancelled",
    "open",
    "reopen",
    "for_triage",
    "investigating",
    "action_scheduled",
    "fixed",
    "duplicate",
    "not_councils_responsibility",
    "internal_referral",
    "no_further_action",
    "cancelled",
    "unchanged",
)
CANNED_RESPONSE_FIELDS = lang.with_columns(
    "CannedResponse",
    ("jurisdiction", "service_type", "title", "text", "public", "active", "order"),
)
CALL_TOPIC_FIELDS = lang.with_columns(
    "CallTopic", ("jurisdiction", "name", "answer", "active", "order")
)
PHONE_LINE_FIELDS = ("jurisdiction", "number", "active")
HOLD_MESSAGE_FIELDS = ("jurisdiction", "language", "digit", "text", "active", "order")
# Apps, exports and requests already name a department or service type by its code.
FIXED = ("jurisdiction", "code")


def _same_jurisdiction(obj, *fields) -> dict:
    errors = {}
    for name in fields:
        value = getattr(obj, name, None)
        if (
            value is not None
            and obj.jurisdiction_id
            and value.jurisdiction_id != obj.jurisdiction_id
        ):
            errors[name] = [
                _("Choose one of %(j)s's, not %(o)s's.")
                % {"j": obj.jurisdiction, "o": value.jurisdiction}
            ]
    return errors


def _code_taken(obj) -> dict:
    if not obj.jurisdiction_id or not obj.code:
        return {}
    others = type(obj).objects.filter(jurisdiction_id=obj.jurisdiction_id, code=obj.code)
    if others.exclude(pk=obj.pk).exists():
        return {"code": [_("%(c)s is taken in this jurisdiction.") % {"c": obj.code}]}
    return {}


def _state(obj, fields) -> dict:
    """What the audit log keeps: a translated text plain (the default language's) and by
    its other languages' columns."""
    with lang.saving():
        return log.state(obj, lang.stored(type(obj).__name__, fields))


def _record(actor, obj, before: dict, after: dict, *, action: str = "") -> None:
    log.record_change(
        actor=actor,
        obj=obj,
        before=before,
        after=after,
        action=action,
        jurisdiction=obj.jurisdiction,
    )


# Departments


def _checked_department(data: dict, department: Department | None, *, lock: bool):
    current = fresh_copy(Department, department, lock=lock)
    data = lang.in_default_language("Department", data)
    before = _state(current, DEPARTMENT_FIELDS) if current.pk else {}
    errors = apply_fields(current, data, DEPARTMENT_FIELDS, fixed=FIXED)[0] or _code_taken(current)
    if errors:
        raise ValidationError(errors)
    return current, before


def check_department(*, data: dict, department: Department | None = None) -> None:
    """Raise the ValidationError `save_department` would, writing nothing (for forms)."""
    _checked_department(data, department, lock=False)


@transaction.atomic
def save_department(
    *, actor: log.Actor, data: dict, department: Department | None = None
) -> Department:
    """Create a department (`department` None) or change the fields named in `data`."""
    current, before = _checked_department(data, department, lock=True)
    with lang.saving():
        current.save()
    _record(actor, current, before, _state(current, DEPARTMENT_FIELDS))
    configuration_changed()
    return current


def deactivate_department(*, actor: log.Actor, department: Department) -> Department:
    """Stop routing to the department; its requests keep it."""
    return save_department(
        actor=actor,
        data={"active": False},
        department=department,
    )


# Service types and their questions


def _checked_service_type(data: dict, service_type: ServiceType | None, *, lock: bool):
    current = fresh_copy(ServiceType, service_type, lock=lock)
    data = lang.in_default_language("ServiceType", data)
    before = _state(current, SERVICE_TYPE_FIELDS) if current.pk else {}
    errors = apply_fields(current, data, SERVICE_TYPE_FIELDS, fixed=FIXED)[0]
    errors = errors or _same_jurisdiction(current, "default_department") or _code_taken(current)
    if errors:
        raise ValidationError(errors)
    return current, before


def check_service_type(*, data: dict, service_type: ServiceType | None = None) -> None:
    """Raise the ValidationError `save_service_type` would for `data`, writing nothing."""
    _checked_service_type(data, service_type, lock=False)


def _questions_state(service_type: ServiceType) -> dict[str, dict]:
    """The questions as the log shows them, one entry `question[CODE]` each."""
    return {
        f"question[{q.code}]": _state(q, question_rules.FIELDS)
        for q in service_type.attributes.order_by("order", "id")
    }


def _set_questions(service_type: ServiceType, questions: list[dict]) -> None:
    """Make the service type ask exactly `questions`, each matched by its id or else code."""
    existing = {q.pk: q for q in service_type.attributes.all()}
    by_code = {q.code: q for q in existing.values()}
    kept = set()
    for data in questions:
        question = existing.get(data["id"]) if data["id"] else by_code.get(data["code"])
        question = question or AttributeDefinition(service_type=service_type)
        with lang.saving():
            for name in question_rules.STORED:
                setattr(question, name, data[name])
            question.save()
        kept.add(question.pk)
    gone = [pk for pk in existing if pk not in kept]
    if gone:
        AttributeDefinition.objects.filter(pk__in=gone).delete()


@transaction.atomic
def save_service_type(
    *,
    actor: log.Actor,
    data: dict,
    questions: list[dict] | None = None,
    service_type: ServiceType | None = None,
) -> ServiceType:
    """Create a service type (`service_type` None) or change the fields named in `data`.

    `questions` (dicts of the question fields, optionally with the `id` of the question
    they change), when given, become the service type's questions: those not named are
    removed. Errors of a question are named `question[CODE].FIELD`.
    """
    errors = {}
    try:
        current, before = _checked_service_type(data, service_type, lock=True)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        checked = None if questions is None else question_rules.checked_questions(questions)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    if checked is not None and current.pk:
        before.update(_questions_state(current))
    with lang.saving():
        current.save()
    after = _state(current, SERVICE_TYPE_FIELDS)
    if checked is not None:
        _set_questions(current, checked)
        after.update(_questions_state(current))
    _record(actor, current, before, after)
    configuration_changed()
    return current


def deactivate_service_type(*, actor: log.Actor, service_type: ServiceType) -> ServiceType:
    """Stop offering the service type; its requests keep it."""
    return save_service_type(
        actor=actor,
        data={"active": False},
        service_type=service_type,
    )


# Routing rules


def _checked_rule(data: dict, rule: RoutingRule | None, *, lock: bool):
    current = fresh_copy(RoutingRule, rule, lock=lock)
    before = _state(current, ROUTING_RULE_FIELDS) if current.pk else {}
    errors = apply_fields(current, data, ROUTING_RULE_FIELDS)[0] or _same_jurisdiction(
        current, "service_type", "area", "department", "crm_endpoint"
    )
    if errors:
        raise ValidationError(errors)
    return current, before


def check_routing_rule(*, data: dict, rule: RoutingRule | None = None) -> None:
    """Raise the ValidationError `save_routing_rule` would for `data`, writing nothing."""
    _checked_rule(data, rule, lock=False)


@transaction.atomic
def save_routing_rule(
    *, actor: log.Actor, data: dict, rule: RoutingRule | None = None
) -> RoutingRule:
    """Create a routing rule (`rule` None) or change the fields named in `data`."""
    current, before = _checked_rule(data, rule, lock=True)
    with lang.saving():
        current.save()
    _record(actor, current, before, _state(current, ROUTING_RULE_FIELDS))
    configuration_changed()
    return current


@transaction.atomic
def delete_routing_rule(*, actor: log.Actor, rule: RoutingRule) -> None:
    """Remove a routing rule: requests it routed keep their department."""
    current = fresh_copy(RoutingRule, rule, lock=True)
    before = _state(current, ROUTING_RULE_FIELDS)
    _record(actor, current, before, {}, action=AuditEntry.Action.DELETED)
    current.delete()
    configuration_changed()


# CRM endpoints (fixboard.bridge sends requests there and brings their updates back)


def _code_map_errors(value, name: str) -> dict:
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and k.strip() and isinstance(v, str) and v.strip()
        for k, v in value.items()
    ):
        return {name: [_('Write it as {"code": "their code", …}: text on both sides.')]}
    return {}


def _status_map_errors(value) -> dict:
    errors = _code_map_errors(value, "statuses")
    if errors:
        return errors
    unknown = sorted(v for v in value.values() if v.strip().lower() not in CRM_STATUS_VALUES)
    if unknown:
        return {
            "statuses": [
                _("Not a Fixboard status: %(v)s. Use one of %(all)s.")
                % {"v": ", ".join(unknown), "all": ", ".join(CRM_STATUS_VALUES)}
            ]
        }
    return {}


def _endpoint_errors(endpoint: CrmEndpoint) -> dict:
    errors = {
        **_code_map_errors(endpoint.service_codes, "service_codes"),
        **_code_map_errors(endpoint.attribute_codes, "attribute_codes"),
        **_status_map_errors(endpoint.statuses),
    }
    if endpoint.poll != CrmEndpoint.Poll.NONE and not endpoint.poll_minutes:
        errors["poll_minutes"] = [_("Poll at least every so many minutes (1 or more).")]
    if endpoint.max_attempts < 1:
        errors["max_attempts"] = [_("Try at least once.")]
    taken = CrmEndpoint.objects.filter(jurisdiction_id=endpoint.jurisdiction_id, name=endpoint.name)
    if endpoint.jurisdiction_id and taken.exclude(pk=endpoint.pk).exists():
        errors["name"] = [_("%(n)s is taken in this jurisdiction.") % {"n": endpoint.name}]
    return errors


def _checked_endpoint(data: dict, endpoint: CrmEndpoint | None, *, lock: bool):
    current = fresh_copy(CrmEndpoint, endpoint, lock=lock)
    before = log.state(current, CRM_ENDPOINT_FIELDS) if current.pk else {}
    fields = {k: v for k, v in data.items() if k != "api_key"}
    errors = apply_fields(current, fields, CRM_ENDPOINT_FIELDS, fixed=("jurisdiction",))[0]
    errors = errors or _endpoint_errors(current)
    if errors:
        raise ValidationError(errors)
    return current, before


def check_crm_endpoint(*, data: dict, endpoint: CrmEndpoint | None = None) -> None:
    """Raise the ValidationError `save_crm_endpoint` would for `data`, writing nothing."""
    _checked_endpoint(data, endpoint, lock=False)


@transaction.atomic
def save_crm_endpoint(
    *, actor: log.Actor, data: dict, endpoint: CrmEndpoint | None = None
) -> CrmEndpoint:
    """Create a CRM endpoint (`endpoint` None) or change the fields named in `data`.

    `data["api_key"]`, when given, replaces the key; the audit log says that it changed,
    never what it is.
    """
    current, before = _checked_endpoint(data, endpoint, lock=True)
    new_key = "api_key" in data and data["api_key"] != current.api_key
    if new_key:
        current.api_key = data["api_key"]
    current.save()
    log.record_change(
        actor=actor,
        obj=current,
        before=before,
        after=log.state(current, CRM_ENDPOINT_FIELDS),
        secrets=["api_key"] if new_key else (),
        jurisdiction=current.jurisdiction,
    )
    configuration_changed()
    return current


# Business calendars (SLA targets in business time count their working hours)


def _calendar_errors(calendar: BusinessCalendar) -> dict:
    errors = {}
    for name in WEEKDAYS:
        try:
            calendars.parse_hours(getattr(calendar, name))
        except ValueError as exc:
            errors[name] = [str(exc)]
    if not errors and not any(getattr(calendar, name).strip() for name in WEEKDAYS):
        errors[WEEKDAYS[0]] = [_("Give the working hours of at least one day of the week.")]
    calendar.country = calendar.country.strip().upper()
    calendar.subdivision = calendar.subdivision.strip().upper()
    errors.update(calendars.country_errors(calendar.country, calendar.subdivision))
    if calendar.jurisdiction_id:
        taken = BusinessCalendar.objects.filter(jurisdiction_id=calendar.jurisdiction_id)
        if taken.exclude(pk=calendar.pk).exists():
            errors["jurisdiction"] = [
                _("%(j)s has a calendar already: change that one.") % {"j": calendar.jurisdiction}
            ]
    return errors


def _checked_calendar(data: dict, calendar: BusinessCalendar | None, *, lock: bool):
    current = fresh_copy(BusinessCalendar, calendar, lock=lock)
    before = _state(current, CALENDAR_FIELDS) if current.pk else {}
    errors = apply_fields(current, data, CALENDAR_FIELDS, fixed=("jurisdiction",))[0]
    errors = errors or _calendar_errors(current)
    if errors:
        raise ValidationError(errors)
    return current, before


def check_calendar(*, data: dict, calendar: BusinessCalendar | None = None) -> None:
    """Raise the ValidationError `save_calendar` would for `data`, writing nothing."""
    _checked_calendar(data, calendar, lock=False)


def checked_exceptions(exceptions: list[dict]) -> list[dict]:
    """The days with their defaults, or ValidationError naming each problem as
    `exception[DAY].FIELD` (or `exception[N]` by position when the day is missing)."""
    errors: dict[str, list[str]] = {}
    checked, seen = [], set()
    for number, data in enumerate(exceptions, start=1):
        unknown = set(data) - {*EXCEPTION_FIELDS, "id"}
        if unknown:
            raise TypeError(f"unknown exception fields {sorted(unknown)}")
        exception = CalendarException(**{k: v for k, v in data.items() if k != "id"})
        label = f"exception[{exception.day or number}]"
        try:
            exception.full_clean(exclude=["calendar"], validate_unique=False)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                errors.setdefault(f"{label}.{name}", []).extend(messages)
        if exception.kind == CalendarException.Kind.CLOSED and exception.hours:
            errors.setdefault(f"{label}.hours", []).append(
                _("A closed day has no hours; empty this field or make it a working day.")
            )
        try:
            calendars.parse_hours(exception.hours)
        except ValueError as exc:
            errors.setdefault(f"{label}.hours", []).append(str(exc))
        if exception.day in seen:
            errors.setdefault(f"{label}.day", []).append(_("This day is listed twice."))
        seen.add(exception.day)
        checked.append(
            {"id": data.get("id"), **{n: getattr(exception, n) for n in EXCEPTION_FIELDS}}
        )
    if errors:
        raise ValidationError(errors)
    return checked


def _exceptions_state(calendar: BusinessCalendar) -> dict[str, dict]:
    return {
        f"exception[{e.day.isoformat()}]": _state(e, EXCEPTION_FIELDS)
        for e in calendar.exceptions.order_by("day")
    }


def _set_exceptions(calendar: BusinessCalendar, exceptions: list[dict]) -> None:
    """Make the calendar's exceptions exactly `exceptions`, each matched by id or else day."""
    existing = {e.pk: e for e in calendar.exceptions.all()}
    named = {data["id"] for data in exceptions if data["id"]}
    by_day = {e.day: e for e in existing.values() if e.pk not in named}
    kept = set()
    for data in exceptions:
        row = existing.get(data["id"]) if data["id"] else by_day.get(data["day"])
        data["row"] = row or CalendarException(calendar=calendar)
        kept.add(data["row"].pk)
    gone = [pk for pk in existing if pk not in kept]
    if gone:
        CalendarException.objects.filter(pk__in=gone).delete()
    for data in exceptions:
        row = data.pop("row")
        for name in EXCEPTION_FIELDS:
            setattr(row, name, data[name])
        row.save()


@transaction.atomic
def save_calendar(
    *,
    actor: log.Actor,
    data: dict,
    exceptions: list[dict] | None = None,
    calendar: BusinessCalendar | None = None,
) -> BusinessCalendar:
    """Create a jurisdiction's business calendar (`calendar` None) or change the fields named
    in `data`. `exceptions` (dicts of day, name, kind, hours, optionally the `id` of the row
    they change), when given, become its days added or removed by hand: those not named
    are removed. Errors of one are named `exception[DAY].FIELD`."""
    errors = {}
    try:
        current, before = _checked_calendar(data, calendar, lock=True)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        checked = None if exceptions is None else checked_exceptions(exceptions)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    if checked is not None and current.pk:
        before.update(_exceptions_state(current))
    with lang.saving():
        current.save()
    after = _state(current, CALENDAR_FIELDS)
    if checked is not None:
        _set_exceptions(current, checked)
        after.update(_exceptions_state(current))
    _record(actor, current, before, after)
    configuration_changed()
    return current


@transaction.atomic
def delete_calendar(*, actor: log.Actor, calendar: BusinessCalendar) -> None:
    """Remove a jurisdiction's calendar: its SLA targets count calendar time again (for
    requests made from now on; those made before keep their expected date)."""
    current = fresh_copy(BusinessCalendar, calendar, lock=True)
    before = {**_state(current, CALENDAR_FIELDS), **_exceptions_state(current)}
    _record(actor, current, before, {}, action=AuditEntry.Action.DELETED)
    current.delete()
    configuration_changed()


# Call topics


def _checked_call_topic(data: dict, topic: CallTopic | None, *, lock: bool):
    current = fresh_copy(CallTopic, topic, lock=lock)
    data = lang.in_default_language("CallTopic", data)
    before = _state(current, CALL_TOPIC_FIELDS) if current.pk else {}
    errors = apply_fields(current, data, CALL_TOPIC_FIELDS, fixed=("jurisdiction",))[0]
    if "name" not in errors and current.jurisdiction_id and current.name:
        others = CallTopic.objects.filter(
            jurisdiction_id=current.jurisdiction_id, name__iexact=current.name
        )
        if others.exclude(pk=current.pk).exists():
            errors["name"] = [_("There is already a topic called %(n)s.") % {"n": current.name}]
    if errors:
        raise ValidationError(errors)
    return current, before


def check_call_topic(*, data: dict, topic: CallTopic | None = None) -> None:
    """Raise the ValidationError `save_call_topic` would for `data`, writing nothing."""
    _checked_call_topic(data, topic, lock=False)


@transaction.atomic
def save_call_topic(*, actor: log.Actor, data: dict, topic: CallTopic | None = None) -> CallTopic:
    """Create a call topic (`topic` None) or change the fields named in `data`."""
    current, before = _checked_call_topic(data, topic, lock=True)
    with lang.saving():
        current.save()
    _record(actor, current, before, _state(current, CALL_TOPIC_FIELDS))
    return current


# Phone lines and on-hold messages


def _checked_phone_line(data: dict, line: PhoneLine | None, *, lock: bool):
    current = fresh_copy(PhoneLine, line, lock=lock)
    before = log.state(current, PHONE_LINE_FIELDS) if current.pk else {}
    if "number" in data:
        data = {**data, "number": phone_or_blank(data["number"]) or data["number"]}
    errors = apply_fields(current, data, PHONE_LINE_FIELDS, fixed=("jurisdiction",))[0]
    if "number" not in errors and not current.number.startswith("+"):
        errors["number"] = [_("Give the number with its area code, e.g. +1 323 555 0100.")]
    elif (
        "number" not in errors
        and PhoneLine.objects.filter(number=current.number).exclude(pk=current.pk).exists()
    ):
        errors["number"] = [_("%(n)s is already a phone line.") % {"n": current.number}]
    if errors:
        raise ValidationError(errors)
    return current, before


def check_phone_line(*, data: dict, line: PhoneLine | None = None) -> None:
    """Raise the ValidationError `save_phone_line` would for `data`, writing nothing."""
    _checked_phone_line(data, line, lock=False)


@transaction.atomic
def save_phone_line(*, actor: log.Actor, data: dict, line: PhoneLine | None = None) -> PhoneLine:
    """Create a phone line (`line` None) or change the fields named in `data`; the number
    is kept in E.164 whatever its spelling."""
    current, before = _checked_phone_line(data, line, lock=True)
    current.save()
    _record(actor, current, before, log.state(current, PHONE_LINE_FIELDS))
    return current


def _checked_hold_message(data: dict, message: HoldMessage | None, *, lock: bool):
    current = fresh_copy(HoldMessage, message, lock=lock)
    before = log.state(current, HOLD_MESSAGE_FIELDS) if current.pk else {}
    errors = apply_fields(current, data, HOLD_MESSAGE_FIELDS, fixed=("jurisdiction",))[0]
    others = HoldMessage.objects.filter(jurisdiction_id=current.jurisdiction_id).exclude(
        pk=current.pk
    )
    if "language" not in errors and others.filter(language=current.language).exists():
        errors["language"] = [_("There is already a message in this language.")]
    if "digit" not in errors and others.filter(digit=current.digit).exists():
        errors["digit"] = [_("Key %(d)s already asks for another language.") % {"d": current.digit}]
    if errors:
        raise ValidationError(errors)
    return current, before


def check_hold_message(*, data: dict, message: HoldMessage | None = None) -> None:
    """Raise the ValidationError `save_hold_message` would for `data`, writing nothing."""
    _checked_hold_message(data, message, lock=False)


@transaction.atomic
def save_hold_message(
    *, actor: log.Actor, data: dict, message: HoldMessage | None = None
) -> HoldMessage:
    """Create an on-hold message (`message` None) or change the fields named in `data`."""
    current, before = _checked_hold_message(data, message, lock=True)
    current.save()
    _record(actor, current, before, log.state(current, HOLD_MESSAGE_FIELDS))
    return current


# Canned responses


def _checked_canned(data: dict, canned: CannedResponse | None, *, lock: bool):
    current = fresh_copy(CannedResponse, canned, lock=lock)
    data = lang.in_default_language("CannedResponse", data)
    before = _state(current, CANNED_RESPONSE_FIELDS) if current.pk else {}
    errors = apply_fields(current, data, CANNED_RESPONSE_FIELDS, fixed=("jurisdiction",))[0]
    errors.update(_same_jurisdiction(current, "service_type"))
    # Every language's text; the default language's errors under the plain name.
    default, *others = lang.columns("text")
    for name, column in (("text", default), *((c, c) for c in others)):
        if name not in errors and (problems := placeholder_errors(getattr(current, column) or "")):
            errors[name] = problems
    if errors:
        raise ValidationError(errors)
    return current, before


def check_canned_response(*, data: dict, canned: CannedResponse | None = None) -> None:
    """Raise the ValidationError `save_canned_response` would for `data`, writing nothing."""
    _checked_canned(data, canned, lock=False)


@transaction.atomic
def save_canned_response(
    *, actor: log.Actor, data: dict, canned: CannedResponse | None = None
) -> CannedResponse:
    """Create a canned response (`canned` None) or change the fields named in `data`.

    Its text may use only the placeholders of `fixboard.catalog.canned.PLACEHOLDERS`.
    """
    current, before = _checked_canned(data, canned, lock=True)
    with lang.saving():
        current.save()
    _record(actor, current, before, _state(current, CANNED_RESPONSE_FIELDS))
    return current


@transaction.atomic
def delete_canned_response(*, actor: log.Actor, canned: CannedResponse) -> None:
    """Remove a canned response; updates already written with it keep their text. One an
    automation rule speaks with is refused: change the rule first."""
    current = fresh_copy(CannedResponse, canned, lock=True)
    users = list(
        AutomationRule.objects.filter(canned_response=current).values_list("name", flat=True)
    )
    if users:
        raise ValidationError(
            {
                "canned_response": [
                    _("The automation rule %(r)s uses it; choose another message there first.")
                    % {"r": ", ".join(users)}
                ]
            }
        )
    before = _state(current, CANNED_RESPONSE_FIELDS)
    _record(actor, current, before, {}, action=AuditEntry.Action.DELETED)
    current.delete()


# Automation rules

AUTOMATION_RULE_FIELDS = (
    "jurisdiction",
    "name",
    "order",
    "active",
    "trigger",
    "service_type",
    "area",
    "channel",
    "assign_department",
    "assign_person",
    "acknowledge",
    "canned_response",
    "escalate",
    "priority_raise",
    "stop",
)


def _person_errors(rule: AutomationRule) -> dict:
    person = rule.assign_person
    if person is None or not rule.jurisdiction_id:
        return {}
    if not person.is_active or getattr(person, "role", "") == "resident":
        return {"assign_person": [_("%(u)s is not city staff.") % {"u": person}]}
    works_there = person.jurisdictions.filter(pk=rule.jurisdiction_id).exists()
    if not (person.is_superuser or works_there):
        return {
            "assign_person": [
                _("%(u)s does not work for %(j)s; choose one of its staff.")
                % {"u": person, "j": rule.jurisdiction}
            ]
        }
    return {}


def _rule_action_errors(rule: AutomationRule) -> dict:
    errors = {}
    canned = rule.canned_response
    if rule.acknowledge and (canned is None or not canned.public):
        errors["canned_response"] = [_("Choose the public canned response the reporter will read.")]
    elif canned is not None and not canned.active:
        errors["canned_response"] = [_("%(c)s is inactive.") % {"c": canned}]
    elif (
        canned is not None
        and canned.service_type_id
        and canned.service_type_id != rule.service_type_id
    ):
        errors["canned_response"] = [
            _("%(c)s is for %(s)s only: make the rule for %(s)s, or choose another.")
            % {"c": canned, "s": canned.service_type}
        ]
    if rule.priority_raise and not rule.escalate:
        errors["priority_raise"] = [_("Only an escalating rule raises the priority.")]
    if not (
        rule.assign_department_id
        or rule.assign_person_id
        or rule.acknowledge
        or rule.canned_response_id
        or rule.escalate
    ):
        errors["__all__"] = [
            _("Choose what the rule does: assign, acknowledge, post a message or escalate.")
        ]
    return errors


def _checked_automation_rule(data: dict, rule: AutomationRule | None, *, lock: bool):
    current = fresh_copy(AutomationRule, rule, lock=lock)
    before = _state(current, AUTOMATION_RULE_FIELDS) if current.pk else {}
    errors = apply_fields(current, data, AUTOMATION_RULE_FIELDS, fixed=("jurisdiction",))[0]
    if not errors:
        errors = {
            **_same_jurisdiction(
                current, "service_type", "area", "assign_department", "canned_response"
            ),
            **_person_errors(current),
            **_rule_action_errors(current),
        }
    if errors:
        raise ValidationError(errors)
    return current, before


def check_automation_rule(*, data: dict, rule: AutomationRule | None = None) -> None:
    """Raise the ValidationError `save_automation_rule` would for `data`, writing nothing."""
    _checked_automation_rule(data, rule, lock=False)


@transaction.atomic
def save_automation_rule(
    *, actor: log.Actor, data: dict, rule: AutomationRule | None = None
) -> AutomationRule:
    """Create an automation rule (`rule` None) or change the fields named in `data`.

    The service type, area and department must be the rule's jurisdiction's, the person
    one of its staff; a rule must do something; an acknowledgement needs a public canned
    response, for the rule's service type or for every type.
    """
    current, before = _checked_automation_rule(data, rule, lock=True)
    with lang.saving():
        current.save()
    _record(actor, current, before, _state(current, AUTOMATION_RULE_FIELDS))
    configuration_changed()
    return current


@transaction.atomic
def delete_automation_rule(*, actor: log.Actor, rule: AutomationRule) -> None:
    """Remove a rule; what it did stays on the requests' timelines."""
    current = fresh_copy(AutomationRule, rule, lock=True)
    before = _state(current, AUTOMATION_RULE_FIELDS)
    _record(actor, current, before, {}, action=AuditEntry.Action.DELETED)
    current.delete()
    configuration_changed()


# Many at once, for imports


def _create_many(model, fields, *, actor, jurisdiction: Jurisdiction, rows: list[dict]) -> list:
    """Validate and insert `rows` of `model` in one statement, one audit entry each."""
    objects, errors = [], {}
    for row in rows:
        obj = model(jurisdiction=jurisdiction, **lang.in_default_language(model.__name__, row))
        try:
            obj.full_clean(exclude=["jurisdiction"], validate_unique=False)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                errors.setdefault(f"{obj.code}.{name}", []).extend(messages)
        objects.append(obj)
    codes = [obj.code for obj in objects]
    taken = set(
        model.objects.filter(jurisdiction=jurisdiction, code__in=codes).values_list(
            "code", flat=True
        )
    )
    taken.update(code for code in codes if codes.count(code) > 1)
    for code in sorted(taken):
        errors.setdefault(f"{code}.code", []).append(
            _("%(c)s is taken in this jurisdiction.") % {"c": code}
        )
    if errors:
        raise ValidationError(errors)
    with lang.saving():
        created = model.objects.bulk_create(objects)
        log.record_created(
            actor=actor,
            objects=created,
            fields=lang.stored(model.__name__, fields),
            jurisdiction=jurisdiction,
        )
    configuration_changed()
    return created


@transaction.atomic
def create_departments(
    *, actor: log.Actor, jurisdiction: Jurisdiction, departments: list[dict]
) -> list[Department]:
    """Create many departments of a jurisdiction at once (dicts of their fields)."""
    return _create_many(
        Department, DEPARTMENT_FIELDS, actor=actor, jurisdiction=jurisdiction, rows=departments
    )


@transaction.atomic
def create_service_types(
    *, actor: log.Actor, jurisdiction: Jurisdiction, service_types: list[dict]
) -> list[ServiceType]:
    """Create many service types of a jurisdiction at once, without questions."""
    return _create_many(
        ServiceType,
        SERVICE_TYPE_FIELDS,
        actor=actor,
        jurisdiction=jurisdiction,
        rows=service_types,
    )
