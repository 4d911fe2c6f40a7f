"""The calls' admin shows a city's supervisors their own calls, and only their own call topics
in its filter (another city's configuration is none of theirs)."""

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.utils import timezone

from fixboard.catalog.actions import save_call_topic
from fixboard.console.models import Call
from tests.work.test_permissions import (
    ADMIN,
    _fast_hashing,  # noqa: F401
    world,  # noqa: F401
)

pytestmark = pytest.mark.django_db


def _call_about(city, agent, name: str) -> Call:
    topic = save_call_topic(
        actor="test",
        data={"jurisdiction": city.jurisdiction, "name": name, "answer": "Read the signs."},
    )
    return Call.objects.create(
        jurisdiction=city.jurisdiction, agent=agent, topic=topic, started_at=timezone.now()
    )


def test_a_city_admin_lists_only_their_city_s_calls_and_topics(world):  # noqa: F811
    admin = world.users[ADMIN]
    admin.user_permissions.add(*Permission.objects.filter(content_type__model="call"))
    _call_about(world.city, admin, "Zqx street sweeping days")
    _call_about(world.other_city, admin, "Yqw bulky item pickup")
    client = Client()
    client.force_login(admin)

    page = client.get("/admin/console/call/").content.decode()

    assert "Zqx street sweeping days" in page
    assert "Yqw bulky item pickup" not in page  # neither a row nor a filter choice
