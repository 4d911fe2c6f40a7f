"""Public figures as parts of the resident pages: `{% load insights %}` then one tag each."""

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..selectors import area_figures, city_figures, departments_figures, service_figures_in

register = template.Library()


@register.inclusion_tag("insights/_city.html")
def city_figures_part(jurisdiction):
    return {
        "figures": city_figures(jurisdiction.pk),
        "departments": departments_figures(jurisdiction.pk),
        "heading_id": "figures-heading",
    }


@register.inclusion_tag("insights/_area.html")
def area_figures_part(area):
    return {"figures": area_figures(area.pk), "heading_id": "figures-heading"}


@register.inclusion_tag("insights/_request.html")
def request_figures_part(service_request, areas):
    return {
        "service_name": service_request.service_type.name,
        "places": service_figures_in(
            service_type_id=service_request.service_type_id,
            jurisdiction_id=service_request.jurisdiction_id,
            areas=areas,
        ),
    }


@register.filter
def fix_days(days: int | None) -> str:
    """Days to fix in words: a median of 0 reads "under a day", not "0 days"."""
    if days is None:
        return "–"
    if days == 0:
        return _("under a day")
    return ngettext("%(n)d day", "%(n)d days", days) % {"n": days}
