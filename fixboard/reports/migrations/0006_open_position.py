from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0005_comment_moderation"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="servicerequest",
            index=models.Index(
                condition=models.Q(("status", "closed"), _negated=True),
                fields=["service_type", "lat", "long"],
                name="sr_open_position",
            ),
        ),
    ]
