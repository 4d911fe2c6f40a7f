"""The catalog's one path in: each change validated field by field, written, and on the
audit log with who made it and what it changed."""

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings

from fixboard.audit.models import AuditEntry
from fixboard.catalog import actions
from fixboard.catalog.models import Department, RoutingRule, ServiceType
from fixboard.open311.lookups import _catalogs
from tests.factories import UserFactory, make_city

pytestmark = pytest.mark.django_db


def last_entry() -> AuditEntry:
    return AuditEntry.objects.order_by("-id").first()


def test_department_created_changed_and_deactivated(city):
    maria = UserFactory(username="maria")
    water = actions.save_department(
        actor=maria,
        data={"jurisdiction": city.jurisdiction, "code": "water", "name": "Water"},
    )
    entry = last_entry()
    assert (entry.actor, entry.actor_user, entry.action) == ("maria", maria, "created")
    assert entry.changes["name"] == [None, "Water"]
    assert entry.jurisdiction == city.jurisdiction

    actions.save_department(
        actor=maria, data={"name": "Water Works", "email": "w@example.org"}, department=water
    )
    water.refresh_from_db()
    assert water.name == "Water Works"
    assert last_entry().changes == {
        "name": ["Water", "Water Works"],
        "email": ["", "w@example.org"],
    }

    actions.deactivate_department(actor="nightly sync", department=water)
    entry = last_entry()
    assert not Department.objects.get(pk=water.pk).active
    assert (entry.actor, entry.actor_user, entry.action) == ("nightly sync", None, "deactivated")
    assert entry.changes == {"active": [True, False]}


def test_department_errors_are_named_by_field(city):
    with pytest.raises(ValidationError) as exc:
        actions.save_department(
            actor="test",
            data={"jurisdiction": city.jurisdiction, "code": "Not a slug", "name": ""},
        )
    assert set(exc.value.message_dict) == {"code", "name"}
    with pytest.raises(ValidationError) as exc:
        actions.save_department(
            actor="test", data={"jurisdiction": city.jurisdiction, "code": "streets", "name": "X"}
        )
    assert exc.value.message_dict == {"code": ["streets is taken in this jurisdiction."]}
    with pytest.raises(ValidationError) as exc:
        actions.save_department(actor="test", data={"code": "roads"}, department=city.streets)
    assert exc.value.message_dict == {"code": ["This cannot change once saved."]}
    assert not AuditEntry.objects.filter(content_type__model="department").exists()


def test_service_type_with_questions_and_their_rules(city):
    service = actions.save_service_type(
        actor="test",
        data={"jurisdiction": city.jurisdiction, "code": "graffiti", "name": "Graffiti"},
        questions=[
            {
                "code": "surface",
                "description": "On what?",
                "datatype": "singlevaluelist",
                "values": [{"key": "wall", "name": "Wall"}],
            }
        ],
    )
    assert [q.code for q in service.attributes.all()] == ["surface"]
    created = last_entry()
    assert created.action == "created"
    assert created.changes["question[surface]"][0] is None

    with pytest.raises(ValidationError) as exc:
        actions.save_service_type(
            actor="test",
            data={"default_department": make_city().streets, "sla_value": -1},
            questions=[
                {"code": "surface", "description": "On what?", "datatype": "singlevaluelist"},
                {"code": "size", "description": "How big?", "datatype": "number", "values": [1]},
            ],
            service_type=service,
        )
    assert exc.value.message_dict == {
        "sla_value": ["Ensure this value is greater than or equal to 0."],
        "question[surface].values": ["A list question needs its choices."],
        "question[size].values": [
            'Write a list of choices, each with a key and a name: [{"key": "sofa", "name": "Sofa"}]'
        ],
    }
    with pytest.raises(ValidationError) as exc:
        actions.save_service_type(
            actor="test", data={"default_department": make_city().streets}, service_type=service
        )
    assert exc.value.message_dict == {
        "default_department": ["Choose one of Testville's, not Testville's."]
    }

    actions.save_service_type(
        actor="test",
        data={"sla_value": 48, "sla_unit": "business_hours"},
        questions=[
            {"code": "size", "description": "How big?", "datatype": "number", "required": True}
        ],
        service_type=service,
    )
    assert [q.code for q in service.attributes.all()] == ["size"]
    changes = last_entry().changes
    assert changes["sla_value"] == [None, 48]
    assert changes["sla_unit"] == ["calendar_hours", "business_hours"]
    assert changes["question[surface]"][1] is None
    assert changes["question[size]"][1]["required"] is True
    assert last_entry().action == "changed"


def test_saving_without_a_change_records_nothing(city):
    before = AuditEntry.objects.count()
    actions.save_service_type(actor="test", data={"name": "Pothole"}, service_type=city.pothole)
    assert AuditEntry.objects.count() == before


def test_routing_rule_saved_checked_and_deleted(city):
    rule = actions.save_routing_rule(
        actor="test",
        data={
            "jurisdiction": city.jurisdiction,
            "service_type": city.pothole,
            "area": city.east,
            "department": city.parks,
            "order": 10,
        },
    )
    assert last_entry().changes["department"] == [None, "Parks"]
    other = make_city()
    with pytest.raises(ValidationError) as exc:
        actions.save_routing_rule(actor="test", data={"department": other.parks}, rule=rule)
    assert list(exc.value.message_dict) == ["department"]
    actions.delete_routing_rule(actor="test", rule=rule)
    assert not RoutingRule.objects.exists()
    entry = last_entry()
    assert entry.action == "deleted" and entry.changes["department"] == ["Parks", None]


def test_bulk_creation_writes_one_entry_per_object(city):
    created = actions.create_service_types(
        actor="fixboard import-requests",
        jurisdiction=city.jurisdiction,
        service_types=[{"code": f"kind-{n}", "name": f"Kind {n}"} for n in range(3)],
    )
    assert [s.code for s in created] == ["kind-0", "kind-1", "kind-2"]
    entries = AuditEntry.objects.filter(actor="fixboard import-requests")
    assert sorted(e.object_repr for e in entries) == ["Kind 0", "Kind 1", "Kind 2"]
    with pytest.raises(ValidationError) as exc:
        actions.create_departments(
            actor="test",
            jurisdiction=city.jurisdiction,
            departments=[{"code": "parks", "name": "Parks again"}, {"code": "x", "name": ""}],
        )
    assert exc.value.message_dict == {
        "x.name": ["This field cannot be blank."],
        "parks.code": ["parks is taken in this jurisdiction."],
    }


@override_settings(CONFIGURATION_CACHE_SECONDS=3600)
def test_the_configuration_is_forgotten_when_the_change_commits(
    city, django_capture_on_commit_callbacks
):
    assert "new-kind" not in _catalogs.get(city.jurisdiction.pk).by_code
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        # bulk_create sends no post_save: only the domain function tells the cache.
        actions.create_service_types(
            actor="test",
            jurisdiction=city.jurisdiction,
            service_types=[{"code": "new-kind", "name": "New kind"}],
        )
    assert "new-kind" not in _catalogs.get(city.jurisdiction.pk).by_code
    for callback in callbacks:
        callback()
    assert "new-kind" in _catalogs.get(city.jurisdiction.pk).by_code
    assert ServiceType.objects.filter(code="new-kind").exists()
