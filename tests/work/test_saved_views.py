"""Saved views: a person's own, and those shared with a department by its managers."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from fixboard.accounts.models import User
from fixboard.work import saved
from fixboard.work.models import SavedView
from tests.factories import UserFactory, make_city

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(city):
    return UserFactory(
        role=User.Role.MANAGER, jurisdictions=[city.jurisdiction], departments=[city.streets]
    )


def test_a_view_keeps_only_known_valid_filters(city, staff):
    view = saved.save_view(
        actor=staff, name="  My   overdue ", query="sla=overdue&sort=due&page=3&bogus=1&age=never"
    )
    assert view.name == "My overdue"
    assert view.query == "sla=overdue&sort=due"
    assert view.department is None


def test_own_views_are_private_shared_ones_reach_the_department(city, staff, manager):
    colleague = UserFactory(
        role=User.Role.STAFF, jurisdictions=[city.jurisdiction], departments=[city.streets]
    )
    parks_staff = UserFactory(
        role=User.Role.STAFF, jurisdictions=[city.jurisdiction], departments=[city.parks]
    )
    mine = saved.save_view(actor=staff, name="Mine", query="assignee=me")
    shared = saved.save_view(
        actor=manager, name="Overdue potholes", query="sla=overdue", department=city.streets
    )
    assert set(saved.visible_views(staff)) == {mine, shared}
    assert set(saved.visible_views(colleague)) == {shared}
    assert set(saved.visible_views(parks_staff)) == set()


def test_only_managers_and_admins_share(city, staff, manager):
    with pytest.raises(ValidationError) as error:
        saved.save_view(actor=staff, name="Team", query="", department=city.streets)
    assert "managers of Streets" in str(error.value)
    # A manager of another department may not share with this one.
    parks_manager = UserFactory(
        role=User.Role.MANAGER, jurisdictions=[city.jurisdiction], departments=[city.parks]
    )
    with pytest.raises(ValidationError):
        saved.save_view(actor=parks_manager, name="Team", query="", department=city.streets)
    admin = UserFactory(role=User.Role.ADMIN, jurisdictions=[city.jurisdiction])
    assert saved.save_view(actor=admin, name="Team", query="", department=city.streets).pk
    other_admin = UserFactory(role=User.Role.ADMIN, jurisdictions=[make_city().jurisdiction])
    with pytest.raises(ValidationError):
        saved.save_view(actor=other_admin, name="Ours", query="", department=city.streets)


def test_rename_share_delete(city, staff, manager):
    view = saved.save_view(actor=manager, name="Mine", query="channel=phone")
    saved.rename_view(actor=manager, view=view, name="Phone calls")
    saved.share_view(actor=manager, view=view, department=city.streets)
    view.refresh_from_db()
    assert (view.name, view.department) == ("Phone calls", city.streets)
    # Staff see it but may not change it.
    with pytest.raises(PermissionDenied):
        saved.rename_view(actor=staff, view=view, name="Mine now")
    with pytest.raises(PermissionDenied):
        saved.delete_view(actor=staff, view=view)
    saved.delete_view(actor=manager, view=view)
    assert not SavedView.objects.exists()


def test_names_are_required_and_unique_per_owner(city, staff):
    with pytest.raises(ValidationError) as error:
        saved.save_view(actor=staff, name="   ", query="")
    assert error.value.message_dict == {"name": ["Give the view a name."]}
    saved.save_view(actor=staff, name="Mine", query="")
    with pytest.raises(ValidationError) as error:
        saved.save_view(actor=staff, name="Mine", query="sort=newest")
    assert "already have a view called Mine" in str(error.value)
    other = UserFactory(
        role=User.Role.STAFF, jurisdictions=[city.jurisdiction], departments=[city.streets]
    )
    assert saved.save_view(actor=other, name="Mine", query="").pk


def test_saving_and_using_a_view_through_the_page(client, city, staff, manager):
    client.force_login(staff)
    response = client.post(
        reverse("work:saved_view_save"), {"name": "Phone", "query": "channel=phone"}
    )
    assert response.status_code == 302 and response.url == "/queue/?channel=phone"
    saved.save_view(
        actor=manager, name="Team overdue", query="sla=overdue", department=city.streets
    )
    body = client.get("/queue/").content.decode()
    assert 'href="/queue/?channel=phone"' in body and ">Phone</a>" in body
    assert 'href="/queue/?sla=overdue"' in body and "shared with Streets" in body
    view = SavedView.objects.get(name="Phone")
    client.post(
        reverse("work:saved_view_change", args=[view.pk]), {"operation": "rename", "name": "Calls"}
    )
    view.refresh_from_db()
    assert view.name == "Calls"
    shared = SavedView.objects.get(name="Team overdue")
    response = client.post(
        reverse("work:saved_view_change", args=[shared.pk]), {"operation": "delete"}, follow=True
    )
    assert "Only managers of Streets" in response.content.decode()
    assert SavedView.objects.filter(pk=shared.pk).exists()
    client.post(reverse("work:saved_view_change", args=[view.pk]), {"operation": "delete"})
    assert not SavedView.objects.filter(pk=view.pk).exists()


def test_another_persons_view_is_not_found(client, city, staff, manager):
    view = saved.save_view(actor=manager, name="Private", query="")
    client.force_login(staff)
    response = client.post(
        reverse("work:saved_view_change", args=[view.pk]), {"operation": "delete"}
    )
    assert response.status_code == 404
