from django.db import models


class Counter(models.Model):
    """One rate-limit counter of the database store (fixboard.core.counters)."""

    key = models.CharField(max_length=250, primary_key=True)
    count = models.BigIntegerField()
    expires = models.DateTimeField(db_index=True)

    def __str__(self):
        return self.key


class ConfigurationVersion(models.Model):
    """One row whose number every configuration change raises, in that change's transaction,
    so every process can tell its copy of the configuration is out of date (core.snapshots)."""

    version = models.BigIntegerField(default=0)

    def __str__(self):
        return f"configuration version {self.version}"
