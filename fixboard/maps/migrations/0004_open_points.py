from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("maps", "0003_lean_indexes"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="mappoint",
            index=models.Index(
                condition=models.Q(("is_open", True)),
                fields=["jurisdiction", "service_type", "lat", "long"],
                name="map_point_open",
            ),
        ),
    ]
