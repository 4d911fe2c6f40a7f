"""On PostgreSQL, an index that serves `LIKE 'prefix%'` whatever the database's collation
(only "C" lets the plain unique index serve it); address search starts with that look-up.
SQLite's search uses a range on the plain index instead (places.search)."""

from django.db import migrations

INDEX = "address_normalized_prefix"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON places_addresspoint "
            "(jurisdiction_id, normalized varchar_pattern_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("places", "0003_address_streets_and_cells")]

    operations = [migrations.RunPython(create, drop)]
