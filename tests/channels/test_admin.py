"""What managers see of the phone channels in the admin: calls sent online, per day."""

import pytest
from django.contrib.auth.models import Permission

from fixboard.accounts.models import User
from fixboard.channels.deflections import deflect_call
from tests.factories import UserFactory, make_city

from .conftest import RESIDENT

pytestmark = pytest.mark.django_db


def test_a_manager_sees_the_calls_sent_online_of_their_city_only(client):
    city, other = make_city(), make_city()
    for n in range(3):
        deflect_call(
            jurisdiction=city.jurisdiction, call_sid=f"CA{n}", phone=RESIDENT, language="en"
        )
    deflect_call(jurisdiction=other.jurisdiction, call_sid="CA9", phone=RESIDENT, language="es")
    manager = UserFactory(role=User.Role.MANAGER, is_staff=True, jurisdictions=[city.jurisdiction])
    manager.user_permissions.add(Permission.objects.get(codename="view_deflection"))
    client.force_login(manager)
    page = client.get("/admin/channels/deflection/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Calls sent online, by day (3 in all)" in html
    assert RESIDENT not in html, "the caller's number is not in the list"
    assert client.get("/admin/channels/deflection/add/").status_code == 403
