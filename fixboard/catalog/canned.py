"""Canned responses: their placeholders, checked when saved and filled in when used.

A response's text names the request's fields in braces, e.g. "We expect to fix {service}
{id} by {expected_date}." Unknown names are refused when the response is saved
(`placeholder_errors`); `render` never fails on a text, whatever it holds. Literal braces are
written doubled: {{ and }}.

The catalog cannot read requests (reports sits above it): the values come from the caller,
`fixboard.reports.changes.context_for(request)`.
"""

from string import Formatter

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import CannedResponse

# name → what it becomes, as the admin's help text lists them.
PLACEHOLDERS = {
    "id": gettext_lazy("the request's id, e.g. 7KQ2-M9XD"),
    "service": gettext_lazy("its service type, e.g. Pothole"),
    "address": gettext_lazy("its address (or its coordinates when it has none)"),
    "expected_date": gettext_lazy("the date it is expected to be done, in the city's time zone"),
    "department": gettext_lazy("the department handling it"),
    "status": gettext_lazy("its status as residents read it, e.g. in progress"),
}

_formatter = Formatter()


def placeholders_help() -> str:
    names = ", ".join(f"{{{name}}} ({meaning})" for name, meaning in PLACEHOLDERS.items())
    return _("Placeholders filled in from the request: %(p)s. Write {{ and }} for braces.") % {
        "p": names
    }


def placeholder_errors(text: str) -> list[str]:
    """What is wrong with the placeholders of `text`, as messages for the person writing it."""
    try:
        parts = list(_formatter.parse(text))
    except ValueError:
        return [
            _(
                "A brace is not closed or not opened. Write placeholders as {id}, and a "
                "brace itself as {{ or }}."
            )
        ]
    errors = []
    known = ", ".join(f"{{{name}}}" for name in PLACEHOLDERS)
    for _literal, name, spec, conversion in parts:
        if name is None:
            continue
        if name not in PLACEHOLDERS:
            shown = "{" + name + "}" if name else "{}"
            errors.append(
                _("%(p)s is not a placeholder; use one of %(k)s.") % {"p": shown, "k": known}
            )
        elif spec or conversion:
            errors.append(
                _("Write the placeholder as {%(n)s}, with nothing after its name.") % {"n": name}
            )
    return list(dict.fromkeys(errors))


def render(text: str, context: dict) -> str:
    """`text` with its placeholders replaced by the values in `context`.

    Never raises: an unknown placeholder (a text saved before the rules, or a value missing
    from `context`) stays as written, and a malformed text comes back unchanged.
    """
    try:
        parts = list(_formatter.parse(text))
    except ValueError:
        return text
    out = []
    for literal, name, spec, conversion in parts:
        out.append(literal)
        if name is None:
            continue
        if name in context and not spec and not conversion:
            value = context[name]
            out.append("" if value is None else str(value))
        else:
            tail = (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "")
            out.append("{" + name + tail + "}")
    return "".join(out)


def canned_responses_for(request) -> QuerySet[CannedResponse]:
    """The active canned responses offered for a request (any object with
    `jurisdiction_id` and `service_type_id`): its service type's and the all-types ones."""
    return CannedResponse.objects.filter(
        Q(service_type__isnull=True) | Q(service_type_id=request.service_type_id),
        jurisdiction_id=request.jurisdiction_id,
        active=True,
    ).order_by("order", "title", "id")
