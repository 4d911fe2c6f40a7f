from django.db import models


class Counter(models.Model):
    """One rate-limit counter of the database store (fixboard.core.counters)."""

    key = models.CharField(max_length=250, primary_key=True)
    count = models.BigIntegerField()
    expires = models.DateTimeField(db_index=True)

    def __str__(self):
        return self.key
