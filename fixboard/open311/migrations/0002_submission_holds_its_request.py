import django.db.models.deletion
from django.db import migrations, models


def forget_unfinished_claims(apps, schema_editor):
    # Claims of POSTs that never finished: a submission now always holds its request.
    Submission = apps.get_model("open311", "Submission")
    Submission.objects.filter(request__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("open311", "0001_submissions"),
        ("reports", "0006_open_position"),
    ]

    operations = [
        migrations.RunPython(forget_unfinished_claims, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="submission",
            name="request",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="reports.servicerequest",
            ),
        ),
    ]
