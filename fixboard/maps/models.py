from django.db import models

# These tables are derived from the requests and rebuilt in bulk: without database foreign-key
# constraints a million-row rebuild does not spend minutes checking them at commit. Django's
# on_delete still cascades. Nor do they get an index of their own: the tables' own indexes
# start with the jurisdiction, and service types are almost never deleted.
DERIVED = {"db_constraint": False, "db_index": False}


class MapCell(models.Model):
    """How many public requests fall in one grid cell of one zoom level.

    Kept current as requests change so a zoomed-out map never scans the requests table.
    Cells are squares of `cell_size(level)` degrees counted from (-90, -180).
    """

    jurisdiction = models.ForeignKey("places.Jurisdiction", on_delete=models.CASCADE, **DERIVED)
    level = models.PositiveSmallIntegerField()
    cell_x = models.IntegerField()
    cell_y = models.IntegerField()
    service_type = models.ForeignKey("catalog.ServiceType", on_delete=models.CASCADE, **DERIVED)
    is_open = models.BooleanField()
    count = models.IntegerField(default=0)
    # Sums let the map put each cell's marker at the centre of its requests.
    sum_lat = models.FloatField(default=0)
    sum_long = models.FloatField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "level", "cell_x", "cell_y", "service_type", "is_open"],
                name="map_cell_unique",
            )
        ]
        indexes = [
            models.Index(
                fields=["jurisdiction", "level", "cell_y", "cell_x"], name="map_cell_lookup"
            )
        ]

    def __str__(self):
        return f"{self.jurisdiction_id}/{self.level}/{self.cell_x}/{self.cell_y}: {self.count}"


class MapPoint(models.Model):
    """The state in which a request is counted in MapCell, to move it when it changes."""

    request = models.OneToOneField(
        "reports.ServiceRequest", on_delete=models.CASCADE, primary_key=True, db_constraint=False
    )
    jurisdiction = models.ForeignKey("places.Jurisdiction", on_delete=models.CASCADE, **DERIVED)
    service_type = models.ForeignKey("catalog.ServiceType", on_delete=models.CASCADE, **DERIVED)
    is_open = models.BooleanField()
    lat = models.FloatField()
    long = models.FloatField()
    # When a request closed as fixed was closed (else null): the map shows those of the last
    # 30 days beside the open ones, and the maintained cells cannot tell their age.
    fixed_at = models.DateTimeField(null=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["jurisdiction", "fixed_at"],
                condition=models.Q(fixed_at__isnull=False),
                name="map_point_fixed",
            ),
            # The requests of a close-in viewport, read from the index alone for counting.
            models.Index(
                fields=["jurisdiction", "lat", "long", "service_type", "is_open"],
                name="map_point_in_view",
            ),
            # Open requests of a few types across a whole city: too few for cells, and
            # spread over all of map_point_in_view's position range.
            models.Index(
                fields=["jurisdiction", "service_type", "lat", "long"],
                condition=models.Q(is_open=True),
                name="map_point_open",
            ),
        ]

    def __str__(self):
        return f"{self.request_id} counted at {self.lat},{self.long}"
