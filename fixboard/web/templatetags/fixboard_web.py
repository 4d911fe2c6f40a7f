from django import template
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

register = template.Library()


@register.filter
def field_named(form, name: str):
    """The bound field `name` of a form, for names a template cannot spell (attribute[x])."""
    return form[name]


# The area kinds cities commonly import, in words; any other slug is spelt out as words.
AREA_KINDS = {
    "ward": _("Ward"),
    "neighbourhood": _("Neighbourhood"),
    "neighborhood": _("Neighborhood"),
    "district": _("District"),
    "council-district": _("Council district"),
    "supervisor-district": _("Supervisor district"),
    "police-district": _("Police district"),
    "zip": _("ZIP code"),
    "zipcode": _("ZIP code"),
    "community-plan-area": _("Community plan area"),
    "neighborhood-council": _("Neighborhood council"),
}


@register.filter
def area_kind(slug: str) -> str:
    """A human label for an area kind: "council-district" → "Council district"."""
    known = AREA_KINDS.get(slug)
    if known is not None:
        return str(known)
    return capfirst(slug.replace("-", " ").replace("_", " "))
