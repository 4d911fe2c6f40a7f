"""Call topics and call scripts: the call center's knowledge, changed only through the
audited catalog actions (the admin's door)."""

import pytest
from django.core.exceptions import ValidationError

from fixboard.audit.models import AuditEntry
from fixboard.catalog.actions import save_call_topic, save_service_type
from fixboard.catalog.models import CallTopic
from tests.factories import UserFactory, make_city

pytestmark = pytest.mark.django_db


def test_a_topic_is_saved_on_the_audit_log_and_names_are_unique_per_city():
    city = make_city()
    topic = save_call_topic(
        actor="test",
        data={"jurisdiction": city.jurisdiction, "name": "Bulky item pick-up", "answer": "Free."},
    )
    assert AuditEntry.objects.filter(object_id=str(topic.pk)).count() == 1
    with pytest.raises(ValidationError) as exc:
        save_call_topic(
            actor="test",
            data={"jurisdiction": city.jurisdiction, "name": "bulky item pick-up", "answer": "x"},
        )
    assert "There is already a topic called" in exc.value.message_dict["name"][0]
    with pytest.raises(ValidationError) as exc:
        save_call_topic(actor="test", data={"jurisdiction": city.jurisdiction, "name": "X"})
    assert "answer" in exc.value.message_dict


def test_a_call_script_is_changed_like_any_field_of_a_service_type():
    city = make_city()
    save_service_type(
        actor="test", data={"call_script": "Ask how deep it is."}, service_type=city.pothole
    )
    city.pothole.refresh_from_db()
    assert city.pothole.call_script == "Ask how deep it is."


def test_the_admin_adds_a_topic_through_the_domain(client):
    city = make_city()
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    response = client.post(
        "/admin/catalog/calltopic/add/",
        {
            "jurisdiction": city.jurisdiction.pk,
            "name_en": "Street sweeping schedule",
            "answer_en": "See the signs on your street.",
            "active": "on",
            "order": "1",
        },
    )
    assert response.status_code == 302, response.text[:2000]
    topic = CallTopic.objects.get()
    assert AuditEntry.objects.filter(object_id=str(topic.pk)).exists()
