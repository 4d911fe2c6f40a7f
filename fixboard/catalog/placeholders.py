"""Messages with placeholders, such as an automation rule's acknowledgement: "{id} is with
{department}; we expect to fix it by {expected_date}."

A small safe formatter: only the named placeholders are replaced, by plain text; anything
else in braces is refused when the message is saved. No attribute access, no format specs
(str.format would let a message read any attribute of what it is given).
"""

import re

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

PLACEHOLDERS = {
    "id": gettext_lazy("the request's id"),
    "service": gettext_lazy("the service type's name"),
    "expected_date": gettext_lazy("the date it is expected to be done"),
    "address": gettext_lazy("the address"),
    "department": gettext_lazy("the department's name"),
}
_BRACED = re.compile(r"\{([^{}]*)\}")


def errors(text: str) -> list[str]:
    """What is wrong with the placeholders of `text`, as messages a person can act on."""
    unknown = sorted({name for name in _BRACED.findall(text) if name not in PLACEHOLDERS})
    if not unknown:
        return []
    return [
        _("Unknown placeholder %(p)s; use %(known)s.")
        % {
            "p": ", ".join("{" + name + "}" for name in unknown),
            "known": ", ".join("{" + name + "}" for name in PLACEHOLDERS),
        }
    ]


def render(text: str, values: dict[str, str]) -> str:
    """`text` with each known placeholder replaced by its value (empty when not given)."""

    def replace(match: re.Match) -> str:
        name = match.group(1)
        if name not in PLACEHOLDERS:
            return match.group(0)
        return str(values.get(name, "") or "")

    return _BRACED.sub(replace, text)
