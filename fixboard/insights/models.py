from django.db import models

# Derived from the requests and rebuilt in bulk, like the map counts (fixboard.maps.models):
# no database foreign-key constraints for a million-row rebuild to check at commit.
DERIVED = {"db_constraint": False, "db_index": False}


class Scope(models.TextChoices):
    CITY = "city"
    AREA = "area"
    DEPARTMENT = "department"


class Outcome(models.TextChoices):
    OPEN = "open"
    FIXED = "fixed"
    CLOSED = "closed"  # closed otherwise: not actionable, referred, cancelled


class Sla(models.IntegerChoices):
    NONE = 0  # not fixed, or no due time
    MET = 1
    MISSED = 2


# Not fixed, or fixed without a closing time: in no bucket of days to fix.
NO_BUCKET = -1


class FigureState(models.Model):
    """How one request is counted in one scope (its city, its department, each of its areas),
    so that a change can take it out of the tallies it was in."""

    request = models.ForeignKey("reports.ServiceRequest", on_delete=models.CASCADE, **DERIVED)
    jurisdiction = models.ForeignKey("places.Jurisdiction", on_delete=models.CASCADE, **DERIVED)
    scope = models.CharField(max_length=12, choices=Scope)
    scope_id = models.BigIntegerField()
    service_type = models.ForeignKey("catalog.ServiceType", on_delete=models.CASCADE, **DERIVED)
    outcome = models.CharField(max_length=8, choices=Outcome)
    fix_bucket = models.SmallIntegerField()
    sla = models.SmallIntegerField(choices=Sla)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["request", "scope", "scope_id"], name="figure_state_unique"
            )
        ]
        indexes = [models.Index(fields=["jurisdiction"], name="figure_state_jurisdiction")]

    def __str__(self):
        return f"{self.request_id} in {self.scope} {self.scope_id}: {self.outcome}"


class FigureTally(models.Model):
    """How many public requests of one service type in one scope share an outcome, a bucket
    of days to fix and an SLA result: the figures pages show, read without the requests."""

    jurisdiction = models.ForeignKey("places.Jurisdiction", on_delete=models.CASCADE, **DERIVED)
    scope = models.CharField(max_length=12, choices=Scope)
    scope_id = models.BigIntegerField()
    service_type = models.ForeignKey("catalog.ServiceType", on_delete=models.CASCADE, **DERIVED)
    outcome = models.CharField(max_length=8, choices=Outcome)
    fix_bucket = models.SmallIntegerField()
    sla = models.SmallIntegerField(choices=Sla)
    count = models.IntegerField(default=0)

    class Meta:
        constraints = [
            # Also the index a page reads its scope's rows by.
            models.UniqueConstraint(
                fields=["scope", "scope_id", "service_type", "outcome", "fix_bucket", "sla"],
                name="figure_tally_unique",
            )
        ]
        indexes = [models.Index(fields=["jurisdiction"], name="figure_tally_jurisdiction")]

    def __str__(self):
        return f"{self.scope} {self.scope_id} {self.service_type_id} {self.outcome}: {self.count}"
