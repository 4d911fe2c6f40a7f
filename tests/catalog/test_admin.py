"""A city admin configures departments, service types with their questions, and routing."""

import json

import pytest
from django.core.exceptions import ValidationError

from fixboard.audit.models import AuditEntry
from fixboard.catalog.models import AttributeDefinition, Department, RoutingRule, ServiceType
from fixboard.reports.actions import submit_request
from tests.factories import INSIDE_EAST, INSIDE_WEST, make_city

pytestmark = pytest.mark.django_db


def service_form(city, **overrides) -> dict:
    data = {
        "jurisdiction": city.jurisdiction.pk,
        "name_en": "Bulky Items Pickup",
        "code": "bulky-pickup",
        "group_en": "Sanitation",
        "description_en": "Free pickup of furniture and mattresses.",
        "keywords": "sofa, couch",
        "notice_en": "Collected on your next pickup day.",
        "default_department": city.streets.pk,
        "sla_value": "120",
        "sla_unit": "calendar_hours",
        "type": "realtime",
        "active": "on",
        "public": "on",
        "attributes-TOTAL_FORMS": "2",
        "attributes-INITIAL_FORMS": "0",
        "attributes-MIN_NUM_FORMS": "0",
        "attributes-MAX_NUM_FORMS": "1000",
        "attributes-0-order": "1",
        "attributes-0-code": "item-count",
        "attributes-0-description_en": "How many items?",
        "attributes-0-datatype": "number",
        "attributes-0-required": "on",
        "attributes-0-variable": "on",
        "attributes-0-values_en": "[]",
        "attributes-1-order": "2",
        "attributes-1-code": "item-types",
        "attributes-1-description_en": "What kind of items?",
        "attributes-1-datatype": "multivaluelist",
        "attributes-1-variable": "on",
        "attributes-1-values_en": json.dumps(
            [{"key": "sofa", "name": "Sofa"}, {"key": "mattress", "name": "Mattress"}]
        ),
    }
    data.update(overrides)
    return data


def test_pages_load(admin_client, city):
    for url in (
        "/admin/catalog/department/",
        f"/admin/catalog/department/{city.streets.pk}/change/",
        "/admin/catalog/servicetype/",
        f"/admin/catalog/servicetype/{city.pothole.pk}/change/",
        "/admin/catalog/servicetype/add/",
        "/admin/catalog/routingrule/",
        "/admin/catalog/routingrule/add/",
    ):
        assert admin_client.get(url).status_code == 200, url


def test_service_type_page_shows_its_questions_with_help(admin_client, city):
    text = admin_client.get(f"/admin/catalog/servicetype/{city.pothole.pk}/change/").content
    text = text.decode()
    assert "How deep is it?" in text
    # One choice per line in the JSON box.
    assert (
        "[\n  {&quot;key&quot;: &quot;shallow&quot;, &quot;name&quot;: &quot;Shallow&quot;},\n"
        "  {&quot;key&quot;: &quot;deep&quot;, &quot;name&quot;: &quot;Deeper than 5 cm&quot;}\n]"
    ) in text
    assert 'Example: [{"key": "sofa", "name": "Sofa"}' in text


def test_admin_creates_a_service_type_with_questions_that_residents_must_answer(admin_client, city):
    page = admin_client.post("/admin/catalog/servicetype/add/", service_form(city))
    assert page.status_code == 302, page.content.decode()
    service = ServiceType.objects.get(jurisdiction=city.jurisdiction, code="bulky-pickup")
    assert service.notice == "Collected on your next pickup day."
    questions = list(service.attributes.order_by("order"))
    assert [q.code for q in questions] == ["item-count", "item-types"]
    assert questions[1].value_keys == ["sofa", "mattress"]

    with pytest.raises(ValidationError) as exc:
        submit_request(service_type=service, lat=INSIDE_WEST[0], long=INSIDE_WEST[1], actor=None)
    assert exc.value.message_dict == {"attribute[item-count]": ["Please answer: How many items?"]}
    request = submit_request(
        service_type=service,
        lat=INSIDE_WEST[0],
        long=INSIDE_WEST[1],
        actor=None,
        attributes={"item-count": "2", "item-types": ["sofa"]},
    )
    assert request.department == city.streets
    assert request.attributes == {"item-count": 2, "item-types": ["sofa"]}


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"attributes-1-values_en": "[]"}, "A list question needs its choices."),
        (
            {"attributes-1-values_en": '["sofa"]'},
            "Write a list of choices, each with a key and a name",
        ),
        ({"attributes-1-values_en": "[{"}, "Enter a valid JSON."),
        (
            {"attributes-0-values_en": '[{"key": "1", "name": "One"}]'},
            "Only list questions have choices; empty this field.",
        ),
        (
            {"attributes-1-values_en": '[{"key": "a", "name": "A"}, {"key": "a", "name": "B"}]'},
            "Each choice needs its own key.",
        ),
    ],
)
def test_bad_choices_are_explained(admin_client, city, overrides, message):
    page = admin_client.post("/admin/catalog/servicetype/add/", service_form(city, **overrides))
    assert page.status_code == 200
    assert message in page.content.decode()
    assert not ServiceType.objects.filter(code="bulky-pickup").exists()
    assert not AttributeDefinition.objects.filter(code="item-types").exists()


def test_department_of_another_city_is_refused(admin_client, city):
    other = make_city()
    page = admin_client.post(
        "/admin/catalog/servicetype/add/",
        service_form(city, default_department=other.streets.pk),
    )
    assert page.status_code == 200
    assert "Choose one of Testville&#x27;s" in page.content.decode()


def test_routing_rule_sends_an_area_to_another_department(admin_client, city):
    page = admin_client.post(
        "/admin/catalog/routingrule/add/",
        {
            "jurisdiction": city.jurisdiction.pk,
            "order": "10",
            "service_type": city.pothole.pk,
            "area": city.east.pk,
            "department": city.parks.pk,
        },
    )
    assert page.status_code == 302
    rule = RoutingRule.objects.get()
    assert admin_client.get(f"/admin/catalog/routingrule/{rule.pk}/change/").status_code == 200
    east = submit_request(
        service_type=city.pothole,
        lat=INSIDE_EAST[0],
        long=INSIDE_EAST[1],
        attributes={"depth": "deep"},
        actor=None,
    )
    west = submit_request(
        service_type=city.pothole,
        lat=INSIDE_WEST[0],
        long=INSIDE_WEST[1],
        attributes={"depth": "deep"},
        actor=None,
    )
    assert (east.department, west.department) == (city.parks, city.streets)
    assert (
        "Pothole in East Ward (ward) → Parks"
        in admin_client.get("/admin/catalog/routingrule/").content.decode()
    )


def audit_of(obj) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(object_id=str(obj.pk)).order_by("id"))


def test_admin_changes_are_on_the_audit_log_with_before_and_after(admin_client, city):
    page = admin_client.post("/admin/catalog/servicetype/add/", service_form(city))
    assert page.status_code == 302, page.content.decode()
    service = ServiceType.objects.get(code="bulky-pickup")
    (created,) = audit_of(service)
    assert (created.actor, created.action) == ("admin", "created")
    assert created.changes["sla_value"] == [None, 120]
    assert created.changes["question[item-types]"][1]["values"][0] == {
        "key": "sofa",
        "name": "Sofa",
    }

    count, types = service.attributes.order_by("order")
    form = service_form(
        city,
        sla_value="48",
        **{
            "attributes-INITIAL_FORMS": "2",
            "attributes-0-id": str(count.pk),
            "attributes-0-service_type": str(service.pk),
            "attributes-1-id": str(types.pk),
            "attributes-1-service_type": str(service.pk),
            "attributes-1-DELETE": "on",
        },
    )
    page = admin_client.post(f"/admin/catalog/servicetype/{service.pk}/change/", form)
    assert page.status_code == 302, page.content.decode()
    assert [q.code for q in service.attributes.all()] == ["item-count"]
    changed = audit_of(service)[-1]
    assert changed.action == "changed"
    assert changed.changes["sla_value"] == [120, 48]
    assert changed.changes["question[item-types]"][1] is None
    assert "question[item-count]" not in changed.changes


def test_admin_deactivates_and_deletes_through_the_domain(admin_client, city):
    page = admin_client.post(
        "/admin/catalog/servicetype/",
        {"action": "deactivate_selected", "_selected_action": [city.bulky.pk]},
        follow=True,
    )
    assert "1 made inactive." in page.content.decode()
    city.bulky.refresh_from_db()
    assert not city.bulky.active
    assert audit_of(city.bulky)[-1].changes == {"active": [True, False]}

    admin_client.post(
        "/admin/catalog/department/",
        {"action": "deactivate_selected", "_selected_action": [city.parks.pk]},
    )
    assert audit_of(city.parks)[-1].action == "deactivated"

    rule = RoutingRule.objects.create(
        jurisdiction=city.jurisdiction, service_type=city.pothole, department=city.parks
    )
    page = admin_client.post(
        f"/admin/catalog/routingrule/{rule.pk}/delete/", {"post": "yes"}, follow=True
    )
    assert page.status_code == 200
    assert not RoutingRule.objects.exists()
    entry = audit_of(rule)[-1]
    assert (entry.action, entry.actor) == ("deleted", "admin")


def test_department_errors_show_on_the_form(admin_client, city):
    page = admin_client.post(
        "/admin/catalog/department/add/",
        {"jurisdiction": city.jurisdiction.pk, "code": "parks", "name_en": "Parks two"},
    )
    assert page.status_code == 200
    assert "parks is taken in this jurisdiction." in page.content.decode()
    page = admin_client.post(
        "/admin/catalog/department/add/",
        {"jurisdiction": city.jurisdiction.pk, "code": "water", "name_en": "Water", "active": "on"},
    )
    assert page.status_code == 302
    water = Department.objects.get(code="water")
    assert audit_of(water)[0].changes["name"] == [None, "Water"]
