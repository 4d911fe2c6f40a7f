from django.db import migrations


def unlogged(apps, schema_editor):
    # Rate-limit counters need no crash safety: on PostgreSQL they skip the write-ahead log,
    # so counting costs no disk flush (a crash empties the table, which only resets limits).
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE core_counter SET UNLOGGED")


def logged(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE core_counter SET LOGGED")


class Migration(migrations.Migration):
    dependencies = [("core", "0002_configuration_version")]

    operations = [migrations.RunPython(unlogged, logged)]
