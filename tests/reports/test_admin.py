"""The read-only request admin: search, filters, timeline; contacts for admins only."""

import pytest
from django.contrib.auth.models import Permission

from fixboard.accounts.models import User
from fixboard.reports.actions import transition
from fixboard.reports.models import Contact, ServiceRequest, Status
from tests.factories import UserFactory, submit_pothole

pytestmark = pytest.mark.django_db


@pytest.fixture
def reported(city):
    request = submit_pothole(city, email="ana.reyes@example.org")
    transition(
        request=request,
        to_status=Status.IN_PROGRESS,
        actor=UserFactory(
            role=User.Role.STAFF,
            jurisdictions=[city.jurisdiction],
            departments=[city.streets, city.parks],
        ),
        note="Crew scheduled for Tuesday",
    )
    ServiceRequest.objects.filter(pk=request.pk).update(source_id="1-1523590121")
    return ServiceRequest.objects.get(pk=request.pk)


@pytest.fixture
def staff_client(client, city):
    """Department staff allowed into the admin to look at requests, not at residents."""
    user = UserFactory(
        role=User.Role.STAFF,
        is_staff=True,
        jurisdictions=[city.jurisdiction],
        departments=[city.streets, city.parks],
    )
    user.save()  # the factory sets the password after saving
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_servicerequest", "view_contact"])
    )
    client.force_login(user)
    return client


def test_pages_load(admin_client, reported):
    for url in (
        "/admin/reports/servicerequest/",
        f"/admin/reports/servicerequest/{reported.pk}/change/",
        "/admin/reports/contact/",
        f"/admin/reports/contact/{reported.reporter_id}/change/",
    ):
        assert admin_client.get(url).status_code == 200, url


@pytest.mark.parametrize("query", ["public_id", "source_id"])
def test_search_by_public_or_source_id(admin_client, reported, city, query):
    other = submit_pothole(city)
    page = admin_client.get("/admin/reports/servicerequest/", {"q": getattr(reported, query)})
    text = page.content.decode()
    assert reported.public_id in text
    assert other.public_id not in text


def test_filter_by_status(admin_client, reported, city):
    fresh = submit_pothole(city)
    text = admin_client.get(
        "/admin/reports/servicerequest/", {"status__exact": "in_progress"}
    ).content.decode()
    assert reported.public_id in text and fresh.public_id not in text


def test_request_is_read_only_with_its_timeline(admin_client, reported):
    page = admin_client.get(f"/admin/reports/servicerequest/{reported.pk}/change/")
    text = page.content.decode()
    assert "Crew scheduled for Tuesday" in text
    assert "West Ward (ward)" in text
    assert 'name="status"' not in text  # no form field: status changes go through the domain
    assert admin_client.get("/admin/reports/servicerequest/add/").status_code == 403
    response = admin_client.post(
        f"/admin/reports/servicerequest/{reported.pk}/change/", {"status": "closed"}
    )
    assert response.status_code == 403
    assert ServiceRequest.objects.get(pk=reported.pk).status == Status.IN_PROGRESS


def test_superuser_sees_the_reporter(admin_client, reported):
    text = admin_client.get(f"/admin/reports/servicerequest/{reported.pk}/change/").content
    assert "Ana Reyes · ana.reyes@example.org" in text.decode()


def test_staff_do_not_see_residents(staff_client, reported):
    page = staff_client.get(f"/admin/reports/servicerequest/{reported.pk}/change/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Crew scheduled for Tuesday" in text
    assert "ana.reyes@example.org" not in text and "Ana Reyes" not in text
    assert staff_client.get("/admin/reports/contact/").status_code == 403
    contact = Contact.objects.get(email="ana.reyes@example.org")
    assert staff_client.get(f"/admin/reports/contact/{contact.pk}/change/").status_code == 403
    assert "/admin/reports/contact/" not in staff_client.get("/admin/").content.decode()
