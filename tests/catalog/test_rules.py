"""A city admin sets up automation rules and how departments hear of new requests: through
the admin and the catalog's audited actions, refused field by field when wrong."""

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError

from fixboard.accounts.models import User
from fixboard.audit.models import AuditEntry
from fixboard.catalog import actions
from fixboard.catalog.models import CHANNELS, AutomationRule, Department
from fixboard.reports.models import Channel
from tests.factories import UserFactory, make_city

pytestmark = pytest.mark.django_db


def canned(city, text="Thanks, {id} is with {department}.", **fields):
    data = {"jurisdiction": city.jurisdiction, "title": "Thanks", "text": text, **fields}
    return actions.save_canned_response(actor="test", data=data)


def rule_form(city, **overrides) -> dict:
    data = {
        "jurisdiction": city.jurisdiction.pk,
        "name": "Potholes in the east go to Parks",
        "order": "10",
        "active": "on",
        "trigger": "submitted",
        "service_type": city.pothole.pk,
        "area": city.east.pk,
        "channel": "",
        "assign_department": city.parks.pk,
        "canned_response": canned(city).pk,
        "acknowledge": "on",
        "priority_raise": "0",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def audit_of(obj) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(
            object_id=str(obj.pk), content_type__model=obj._meta.model_name
        ).order_by("id")
    )


def test_admin_creates_a_rule_and_the_change_is_audited(admin_client, city):
    page = admin_client.post("/admin/catalog/automationrule/add/", rule_form(city))
    assert page.status_code == 302, page.content.decode()
    rule = AutomationRule.objects.get()
    assert (rule.service_type, rule.area, rule.assign_department) == (
        city.pothole,
        city.east,
        city.parks,
    )
    assert rule.acknowledge and not rule.stop
    (created,) = audit_of(rule)
    assert (created.actor, created.action) == ("admin", "created")
    assert created.changes["assign_department"] == [None, "Parks"]

    listing = admin_client.get("/admin/catalog/automationrule/").content.decode()
    assert "Potholes in the east go to Parks" in listing
    change = f"/admin/catalog/automationrule/{rule.pk}/change/"
    assert admin_client.get(change).status_code == 200
    page = admin_client.post(change, rule_form(city, order="5", stop="on"))
    assert page.status_code == 302, page.content.decode()
    changed = audit_of(rule)[-1]
    assert changed.changes == {"order": [10, 5], "stop": [False, True]}

    page = admin_client.post(
        f"/admin/catalog/automationrule/{rule.pk}/delete/", {"post": "yes"}, follow=True
    )
    assert page.status_code == 200
    assert not AutomationRule.objects.exists()
    assert audit_of(rule)[-1].action == "deleted"


@pytest.mark.parametrize(
    "overrides, message",
    [
        (
            {"assign_department": "", "canned_response": "", "acknowledge": None},
            "Choose what the rule does",
        ),
        ({"canned_response": ""}, "Choose the public canned response the reporter will read."),
        ({"canned_response": "internal"}, "Choose the public canned response"),
        ({"canned_response": "bulky"}, "Thanks is for Bulky Items only: make the rule for"),
        ({"priority_raise": "2"}, "Only an escalating rule raises"),
        ({"escalate": "on", "priority_raise": "9"}, "less than or equal to 5"),
        ({"name": ""}, "This field is required."),
        ({"channel": "fax"}, "Select a valid choice. fax is not one of"),
    ],
)
def test_invalid_rule_is_refused_with_messages_by_field(admin_client, city, overrides, message):
    if overrides.get("canned_response") == "internal":
        overrides["canned_response"] = canned(city, public=False).pk
    if overrides.get("canned_response") == "bulky":
        overrides["canned_response"] = canned(city, service_type=city.bulky).pk
    page = admin_client.post("/admin/catalog/automationrule/add/", rule_form(city, **overrides))
    assert page.status_code == 200
    assert message in page.content.decode()
    assert not AutomationRule.objects.exists()


def test_another_jurisdictions_department_area_or_service_is_refused(city):
    other = make_city()
    data = {
        "jurisdiction": city.jurisdiction,
        "name": "Wrong city",
        "trigger": "submitted",
        "service_type": other.pothole,
        "area": other.east,
        "assign_department": other.parks,
        "canned_response": canned(other),
    }
    with pytest.raises(ValidationError) as refused:
        actions.save_automation_rule(actor="test", data=data)
    errors = refused.value.message_dict
    assert set(errors) == {"service_type", "area", "assign_department", "canned_response"}
    assert errors["assign_department"] == ["Choose one of Testville's, not Testville's."]
    assert not AutomationRule.objects.exists()


def test_the_admin_offers_and_accepts_only_the_jurisdictions_own(client, city):
    other = make_city()
    admin = UserFactory(
        role=User.Role.ADMIN, jurisdictions=[city.jurisdiction], is_staff=True, password=None
    )
    admin.user_permissions.set(Permission.objects.filter(content_type__app_label="catalog"))
    client.force_login(admin)
    page = client.post(
        "/admin/catalog/automationrule/add/",
        rule_form(city, assign_department=other.parks.pk),
    )
    assert page.status_code == 200
    assert "Select a valid choice" in page.content.decode()
    theirs = AutomationRule.objects.create(
        jurisdiction=other.jurisdiction, name="Theirs", escalate=True
    )
    assert client.get(f"/admin/catalog/automationrule/{theirs.pk}/change/").status_code in (
        302,
        403,
        404,
    )
    assert "Theirs" not in client.get("/admin/catalog/automationrule/").content.decode()


def test_the_person_must_be_staff_of_the_rules_jurisdiction(city):
    other = make_city()
    outsider = UserFactory(role=User.Role.STAFF, jurisdictions=[other.jurisdiction], password=None)
    resident = UserFactory(role=User.Role.RESIDENT, password=None)
    insider = UserFactory(role=User.Role.STAFF, jurisdictions=[city.jurisdiction], password=None)
    data = {"jurisdiction": city.jurisdiction, "name": "To a person", "trigger": "overdue"}
    for person, message in (
        (outsider, "does not work for Testville"),
        (resident, "is not city staff"),
    ):
        with pytest.raises(ValidationError) as refused:
            actions.save_automation_rule(actor="test", data={**data, "assign_person": person})
        assert message in refused.value.message_dict["assign_person"][0]
    rule = actions.save_automation_rule(actor="test", data={**data, "assign_person": insider})
    assert rule.assign_person == insider


def test_the_rule_channels_are_the_requests_channels():
    assert [value for value, _label in CHANNELS] == list(Channel.values)


def test_department_notice_settings_are_saved_and_audited(admin_client, city):
    change = f"/admin/catalog/department/{city.streets.pk}/change/"
    form = admin_client.get(change).content.decode()
    assert "Tell the department of new requests" in form
    page = admin_client.post(
        change,
        {
            "jurisdiction": city.jurisdiction.pk,
            "code": "streets",
            "name_en": "Streets",
            "email": "streets@city.example",
            "active": "on",
            "notice": "daily",
            "notice_hour": "7",
        },
    )
    assert page.status_code == 302, page.content.decode()
    city.streets.refresh_from_db()
    assert (city.streets.notice, city.streets.notice_hour) == (Department.Notice.DAILY, 7)
    changes = audit_of(city.streets)[-1].changes
    assert changes["notice"] == ["none", "daily"]
    assert changes["notice_hour"] == [8, 7]

    page = admin_client.post(
        change,
        {
            "jurisdiction": city.jurisdiction.pk,
            "code": "streets",
            "name_en": "Streets",
            "notice": "daily",
            "notice_hour": "24",
        },
    )
    assert page.status_code == 200
    assert "Ensure this value is less than or equal to 23." in page.content.decode()


def test_a_canned_response_a_rule_speaks_with_is_not_deleted(admin_client, city):
    message = canned(city)
    actions.save_automation_rule(
        actor="test",
        data={
            "jurisdiction": city.jurisdiction,
            "name": "Acknowledge all",
            "acknowledge": True,
            "canned_response": message,
        },
    )
    with pytest.raises(ValidationError) as refused:
        actions.delete_canned_response(actor="test", canned=message)
    assert refused.value.message_dict["canned_response"] == [
        "The automation rule Acknowledge all uses it; choose another message there first."
    ]
    page = admin_client.get(f"/admin/catalog/cannedresponse/{message.pk}/delete/")
    assert "protected" in page.content.decode()
