from django.db import models


class ConfigurationVersion(models.Model):
    """One row whose number every configuration change raises, in that change's transaction,
    so every process can tell its copy of the configuration is out of date (core.snapshots)."""

    version = models.BigIntegerField(default=0)

    def __str__(self):
        return f"configuration version {self.version}"
