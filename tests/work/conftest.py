from datetime import timedelta

import pytest
from django.utils import timezone

from fixboard.accounts.models import User
from fixboard.reports import sla
from fixboard.reports.models import ServiceRequest
from tests.factories import ServiceTypeFactory, UserFactory, submit_pothole


@pytest.fixture
def staff(city):
    return UserFactory(
        role=User.Role.STAFF,
        first_name="Sam",
        last_name="Street",
        jurisdictions=[city.jurisdiction],
        departments=[city.streets],
    )


@pytest.fixture
def tree(city):
    """A service type the parks department works."""
    return ServiceTypeFactory(
        jurisdiction=city.jurisdiction,
        code="tree",
        name="Fallen Tree",
        default_department=city.parks,
    )


def make_request(city, *, service_type=None, ago=timedelta(hours=1), **fields):
    """A request made `ago` before now (through the domain), then given `fields`."""
    if service_type is None:
        request = submit_pothole(city)
    else:
        from fixboard.reports.actions import submit_request

        request = submit_request(
            service_type=service_type,
            lat=34.05,
            long=-118.25,
            description="Down on the path",
            actor=None,
        )
    requested = timezone.now() - ago
    values = {"requested_at": requested, "updated_at": requested}
    values["expected_at"] = sla.expected_at(request.service_type, requested)
    values.update(fields)
    ServiceRequest.objects.filter(pk=request.pk).update(**values)
    request.refresh_from_db()
    return request
