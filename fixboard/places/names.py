"""Areas in the order people read them: by kind, then by name in the active language."""

from django.db.models import QuerySet

from fixboard.core.languages import localized


def by_name(areas: QuerySet) -> QuerySet:
    # Ordering by plain `name` would sort by the active language's column alone, putting
    # the areas without a translation (NULL) first or last depending on the engine.
    return areas.order_by("kind", localized("name"), "id")
