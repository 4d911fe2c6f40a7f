"""The work queue's priority: the database's ranking, the same numbers in words."""

from datetime import timedelta

import pytest
from django.utils import timezone

from fixboard.catalog.models import Severity
from fixboard.reports import actions, priority
from fixboard.reports.models import ServiceRequest
from tests.factories import submit_pothole

pytestmark = pytest.mark.django_db


def shaped(city, *, ago=timedelta(hours=1), now=None, **fields):
    request = submit_pothole(city)
    requested = (now or timezone.now()) - ago
    values = {"requested_at": requested, "updated_at": requested, "expected_at": None}
    values.update(fields)
    ServiceRequest.objects.filter(pk=request.pk).update(**values)
    return ServiceRequest.objects.select_related("service_type").get(pk=request.pk)


def scored(now):
    return dict(
        priority.annotate(ServiceRequest.objects.all(), now).values_list("pk", "priority_score")
    )


def test_the_database_and_the_explanation_count_the_same(city):
    now = timezone.now()
    requests = [
        shaped(city),
        shaped(city, support_count=3, duplicate_count=2),
        shaped(city, support_count=40),
        shaped(city, expected_at=now - timedelta(minutes=1)),
        shaped(city, expected_at=now + timedelta(hours=23)),
        shaped(city, expected_at=now + timedelta(hours=70)),
        shaped(city, expected_at=now + timedelta(days=9)),
        shaped(city, ago=timedelta(days=31)),
        shaped(city, ago=timedelta(days=8)),
        shaped(city, ago=timedelta(days=3)),
        shaped(city, ago=timedelta(hours=30)),
        shaped(city, priority=2),
        shaped(city, priority=-9),
    ]
    in_sql = scored(now)
    for request in requests:
        assert in_sql[request.pk] == priority.total(request, now), priority.parts(request, now)
    assert in_sql[requests[2].pk] == 40  # 40 supporters count as 20
    assert in_sql[requests[3].pk] == 40
    assert in_sql[requests[12].pk] == -50  # -9 steps count as -5


@pytest.mark.parametrize(
    "level, points", [(Severity.LOW, -15), (Severity.HIGH, 15), (Severity.CRITICAL, 30)]
)
def test_severity_of_the_service_type(city, level, points):
    city.pothole.severity = level
    city.pothole.save()
    request = shaped(city)
    now = timezone.now()
    assert scored(now)[request.pk] == points == priority.total(request, now)
    assert priority.explain(request, now) == f"{Severity(level).label} severity"


def test_explanations(city):
    now = timezone.now()
    city.pothole.severity = Severity.HIGH
    city.pothole.save()
    request = shaped(
        city, support_count=12, duplicate_count=1, expected_at=now + timedelta(hours=3, minutes=5)
    )
    assert (
        priority.explain(request, now)
        == "12 supporters · 1 duplicate merged · SLA due in 3 h · high severity"
    )
    city.pothole.severity = Severity.NORMAL
    city.pothole.save()
    overdue = shaped(
        city, now=now, ago=timedelta(days=9), expected_at=now - timedelta(days=2, hours=1)
    )
    assert priority.explain(overdue, now) == "overdue by 2 days · open 9 days"
    raised = shaped(city, priority=1, support_count=1)
    assert priority.explain(raised, now) == "raised by staff (+1) · 1 supporter"
    assert priority.explain(shaped(city), now) == "no urgency signals"


def test_ranking_puts_the_most_pressing_first(city):
    now = timezone.now()
    calm = shaped(city)
    overdue = shaped(city, expected_at=now - timedelta(hours=1))
    popular = shaped(city, support_count=5)
    ranked = list(
        priority.annotate(ServiceRequest.objects.all(), now)
        .order_by("-priority_score", "requested_at")
        .values_list("pk", flat=True)
    )
    assert ranked == [overdue.pk, popular.pk, calm.pk]


def test_merge_counts_duplicates_on_the_canonical_request(city):
    canonical = submit_pothole(city)
    first, second, third = (submit_pothole(city) for _ in range(3))
    actions.merge(duplicate=second, canonical=first, actor=None)
    actions.merge(duplicate=third, canonical=canonical, actor=None)
    first.refresh_from_db()
    assert first.duplicate_count == 1
    # `first` brings its own merged duplicate along.
    actions.merge(duplicate=first, canonical=canonical, actor=None)
    canonical.refresh_from_db()
    assert canonical.duplicate_count == 3


def test_administrators_set_the_severity_through_the_catalog(city):
    from fixboard.audit.models import AuditEntry
    from fixboard.catalog.actions import save_service_type
    from tests.factories import UserFactory

    admin = UserFactory(is_superuser=True, is_staff=True)
    save_service_type(actor=admin, data={"severity": Severity.CRITICAL}, service_type=city.pothole)
    city.pothole.refresh_from_db()
    assert city.pothole.severity == Severity.CRITICAL
    assert AuditEntry.objects.filter(changes__has_key="severity").exists()
    request = shaped(city)
    assert priority.explain(request, timezone.now()) == "critical severity"
