from django.db import migrations, models
from django.db.models import Exists, OuterRef


def mark_requests_with_photos(apps, schema_editor):
    ServiceRequest = apps.get_model("reports", "ServiceRequest")
    Photo = apps.get_model("reports", "Photo")
    ServiceRequest.objects.filter(Exists(Photo.objects.filter(request=OuterRef("pk")))).update(
        has_photos=True
    )


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0006_open_position"),
    ]

    operations = [
        migrations.AddField(
            model_name="servicerequest",
            name="has_photos",
            field=models.BooleanField(default=False, editable=False, verbose_name="has photos"),
        ),
        migrations.RunPython(mark_requests_with_photos, migrations.RunPython.noop),
    ]
