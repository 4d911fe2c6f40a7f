from django.core.checks import Tags, Warning, register
from django.db import DatabaseError


@register(Tags.database)
def check_import_indexes(app_configs, databases=None, **kwargs):
    """An import killed in bulk mode leaves the site without some indexes: say so.

    Database checks run with `fixboard migrate` and `fixboard check --database default`.
    """
    if not databases or "default" not in databases:
        return []
    from .importing.indexes import missing

    try:
        gone = missing()
    except DatabaseError:
        return []  # the database is not reachable: other checks and commands will say so
    if not gone:
        return []
    return [
        Warning(
            f"{len(gone)} indexes or foreign keys of requests, events and request areas are "
            "missing: an import stopped before it rebuilt them.",
            hint="Run `fixboard rebuild-indexes` (or any import, which rebuilds them first).",
            id="fixboard.W010",
        )
    ]
