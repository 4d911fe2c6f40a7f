from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("channels", "0001_conversations_and_deflections"),
    ]

    operations = [
        migrations.AddField(
            model_name="deflection",
            name="line",
            field=models.CharField(blank=True, max_length=16, verbose_name="number called"),
        ),
        migrations.AddIndex(
            model_name="deflection",
            index=models.Index(
                fields=["jurisdiction", "created_at"], name="deflection_jurisdiction_time"
            ),
        ),
    ]
