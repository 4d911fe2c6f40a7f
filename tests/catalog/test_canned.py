"""Canned responses: written by a city admin (audited), their placeholders checked when
saved, filled in from a request when used, offered per service type."""

from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from fixboard.audit.models import AuditEntry
from fixboard.catalog import actions
from fixboard.catalog.canned import canned_responses_for, placeholder_errors, render
from fixboard.catalog.models import CannedResponse
from fixboard.reports.changes import context_for
from tests.factories import UserFactory, make_city, submit_pothole

pytestmark = pytest.mark.django_db


def save(city, actor=None, **data):
    fields = {
        "jurisdiction": city.jurisdiction,
        "title": "Acknowledge",
        "text": "Thanks: {service} {id} is on our list.",
    }
    fields.update(data)
    return actions.save_canned_response(actor=actor or "test", data=fields)


def test_saved_changed_and_deleted_on_the_audit_log(city):
    maria = UserFactory(username="maria")
    canned = save(city, actor=maria, service_type=city.pothole, public=False)
    entry = AuditEntry.objects.order_by("-id").first()
    assert (entry.actor, entry.action, entry.jurisdiction) == (
        "maria",
        "created",
        city.jurisdiction,
    )
    assert entry.changes["text"] == [None, "Thanks: {service} {id} is on our list."]
    assert entry.changes["service_type"] == [None, "Pothole"]

    actions.save_canned_response(actor=maria, data={"title": "Thanks"}, canned=canned)
    assert AuditEntry.objects.order_by("-id").first().changes == {
        "title": ["Acknowledge", "Thanks"]
    }

    actions.delete_canned_response(actor=maria, canned=canned)
    assert not CannedResponse.objects.exists()
    entry = AuditEntry.objects.order_by("-id").first()
    assert entry.action == "deleted" and entry.changes["title"] == ["Thanks", None]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Fixed by {crew}.", "{crew} is not a placeholder; use one of {id}, {service}"),
        ("Fixed {id.upper}.", "{id.upper} is not a placeholder"),
        ("Due {expected_date:%Y}.", "Write the placeholder as {expected_date}"),
        ("Fixed {id", "A brace is not closed or not opened"),
        ("Fixed }", "A brace is not closed or not opened"),
        ("Fixed {}", "{} is not a placeholder"),
    ],
)
def test_unknown_or_malformed_placeholders_are_refused_when_saved(city, text, message):
    with pytest.raises(ValidationError) as exc:
        save(city, text=text)
    assert list(exc.value.message_dict) == ["text"]
    assert message in exc.value.message_dict["text"][0]
    assert not CannedResponse.objects.exists()


def test_other_errors_are_given_per_field(city):
    other = make_city()
    with pytest.raises(ValidationError) as exc:
        save(city, title="", service_type=other.pothole, text="{nope}")
    errors = exc.value.message_dict
    assert set(errors) == {"title", "service_type", "text"}
    assert "Choose one of Testville's" in errors["service_type"][0]


def test_doubled_braces_are_literal_braces():
    assert placeholder_errors("Use {{braces}} and {id}") == []
    assert render("{{id}} is {id}", {"id": "7KQ2"}) == "{id} is 7KQ2"


def test_render_never_fails_on_a_text():
    context = {"id": "7KQ2-M9XD", "service": "Pothole"}
    assert render("{service} {id}: thanks", context) == "Pothole 7KQ2-M9XD: thanks"
    # Saved before the rules, or edited in the database: left as written, no KeyError.
    assert render("{crew} fixed {id}", context) == "{crew} fixed 7KQ2-M9XD"
    assert render("{id!r:>20}", context) == "{id!r:>20}"
    assert render("broken {id", context) == "broken {id"


def test_filled_in_from_a_request(city):
    request = submit_pothole(city, address="100 Main St")
    canned = save(
        city,
        text="{service} {id} at {address}, handled by {department}, is {status}; "
        "expected by {expected_date}.",
    )
    request.expected_at = datetime(2026, 3, 2, 5, 0, tzinfo=UTC)  # 1 March, 21:00 in LA
    text = render(canned.text, context_for(request))
    assert text == (
        f"Pothole {request.public_id} at 100 Main St, handled by Streets, is new; "
        "expected by March 1, 2026."
    )
    with translation.override("es"):
        assert context_for(request)["expected_date"] == "1 de marzo de 2026"


def test_a_request_without_address_or_date(city):
    request = submit_pothole(city)
    request.expected_at = None
    context = context_for(request)
    assert context["address"] == "34.05000, -118.25000"
    assert context["expected_date"] == ""


def test_offered_for_the_request_s_service_type_and_all_types(city):
    request = submit_pothole(city)
    everyone = save(city, title="B for all", order=5)
    pothole = save(city, title="A pothole", service_type=city.pothole, order=5)
    first = save(city, title="Z first", service_type=city.pothole, order=1)
    save(city, title="Bulky", service_type=city.bulky)
    save(city, title="Retired", active=False)
    save(make_city(), title="Elsewhere")
    assert list(canned_responses_for(request)) == [first, pothole, everyone]


def test_admin_writes_through_the_domain(admin_client, city):
    form = {
        "jurisdiction": city.jurisdiction.pk,
        "service_type": city.pothole.pk,
        "title_en": "Scheduled",
        "text_en": "We will fix {id} by {when}.",
        "public": "on",
        "active": "on",
        "order": "10",
    }
    response = admin_client.post("/admin/catalog/cannedresponse/add/", form)
    assert response.status_code == 200
    assert "{when} is not a placeholder" in response.content.decode()
    assert "{expected_date} (the date it is expected to be done" in response.content.decode()

    form["text_en"] = "We will fix {id} by {expected_date}."
    response = admin_client.post("/admin/catalog/cannedresponse/add/", form)
    assert response.status_code == 302
    canned = CannedResponse.objects.get()
    assert canned.text == "We will fix {id} by {expected_date}."
    assert AuditEntry.objects.filter(object_id=str(canned.pk), action="created").exists()

    response = admin_client.post(
        f"/admin/catalog/cannedresponse/{canned.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 302
    assert AuditEntry.objects.filter(object_id=str(canned.pk), action="deleted").exists()


def test_admin_of_another_city_does_not_see_them(client, city):
    save(city, title="Ours")
    other = make_city()
    admin = UserFactory(role="admin", is_staff=True, jurisdictions=[other.jurisdiction])
    from django.contrib.auth.models import Permission

    admin.user_permissions.set(Permission.objects.filter(codename__endswith="cannedresponse"))
    client.force_login(admin)
    response = client.get("/admin/catalog/cannedresponse/")
    assert response.status_code == 200
    assert "Ours" not in response.content.decode()
