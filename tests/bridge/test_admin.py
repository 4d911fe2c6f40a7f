"""A city admin connects its CRM: through the catalog's domain function, audited, the API
key never shown back; given-up sends are visible with their last error and retried."""

import pytest

from fixboard.audit.models import AuditEntry
from fixboard.bridge.models import CrmSend
from fixboard.catalog.actions import CRM_STATUS_VALUES
from fixboard.catalog.models import CrmEndpoint
from fixboard.core.models import Outbox
from fixboard.reports.open311_statuses import target_of_code
from tests.factories import submit_pothole

from .conftest import connect, drain
from .standin import free_port

pytestmark = pytest.mark.django_db
KEY = "s3cret-crm-key-0042"


def endpoint_form(city, **overrides) -> dict:
    data = {
        "jurisdiction": city.jurisdiction.pk,
        "name": "Motorola CRM",
        "base_url": "https://crm.example.gov/open311/v2",
        "remote_jurisdiction_id": "example.gov",
        "new_api_key": KEY,
        "format": "xml",
        "service_codes": '{"pothole": "POT-01"}',
        "attribute_codes": "{}",
        "statuses": '{"ASSIGNED": "in_progress", "RESOLVED": "closed:fixed"}',
        "id_attribute": "fixboard_id",
        "notes_public": "on",
        "poll": "updates",
        "poll_minutes": "5",
        "max_attempts": "8",
        "active": "on",
    }
    data.update(overrides)
    return data


def test_every_mappable_status_is_one_fixboard_understands():
    assert all(target_of_code(value) is not None for value in CRM_STATUS_VALUES)


def test_an_admin_connects_a_crm_and_its_key_is_never_shown_back(admin_client, city):
    page = admin_client.post("/admin/catalog/crmendpoint/add/", endpoint_form(city))
    assert page.status_code == 302, page.content.decode()[-2000:]
    endpoint = CrmEndpoint.objects.get()
    assert endpoint.api_key == KEY and endpoint.service_codes == {"pothole": "POT-01"}
    entry = AuditEntry.objects.get(object_id=str(endpoint.pk), content_type__model="crmendpoint")
    assert KEY not in str(entry.changes) and "api_key" in entry.changes
    listing = admin_client.get("/admin/catalog/crmendpoint/").content.decode()
    change = admin_client.get(f"/admin/catalog/crmendpoint/{endpoint.pk}/change/").content.decode()
    for html in (listing, change):
        assert KEY not in html and "…0042" in html
    # Saved again without a new key: the key stays.
    form = endpoint_form(city, new_api_key="", name="Motorola")
    assert (
        admin_client.post(f"/admin/catalog/crmendpoint/{endpoint.pk}/change/", form).status_code
        == 302
    )
    endpoint.refresh_from_db()
    assert (endpoint.name, endpoint.api_key) == ("Motorola", KEY)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("statuses", '{"RESOLVED": "done"}', "Not a Fixboard status: done"),
        ("service_codes", '["pothole"]', "Write it as"),
        ("base_url", "not a url", "Enter a valid URL"),
        ("poll_minutes", "0", "Poll at least every"),
    ],
)
def test_bad_settings_are_explained_field_by_field(admin_client, city, field, value, message):
    page = admin_client.post(
        "/admin/catalog/crmendpoint/add/", endpoint_form(city, **{field: value})
    )
    assert page.status_code == 200
    assert message in page.content.decode()
    assert not CrmEndpoint.objects.exists()


def test_a_routing_rule_forwards_to_the_crm_from_the_admin(admin_client, city):
    endpoint = connect(city, "https://crm.example.gov/open311/v2")
    page = admin_client.get("/admin/catalog/routingrule/").content.decode()
    assert "City CRM" in page
    form = {
        "jurisdiction": city.jurisdiction.pk,
        "order": "5",
        "service_type": city.bulky.pk,
        "department": city.streets.pk,
        "crm_endpoint": endpoint.pk,
    }
    assert admin_client.post("/admin/catalog/routingrule/add/", form).status_code == 302
    assert endpoint.routing_rules.count() == 2


def test_given_up_sends_show_their_error_and_are_retried_from_the_admin(admin_client, city):
    connect(city, f"http://127.0.0.1:{free_port()}/open311", max_attempts=1)
    request = submit_pothole(city)
    drain()
    send = CrmSend.objects.get(request=request)
    listing = admin_client.get("/admin/bridge/crmsend/?state=failed").content.decode()
    assert request.public_id in listing and "127.0.0.1" in listing
    page = admin_client.post(
        "/admin/bridge/crmsend/",
        {"action": "retry_selected", "_selected_action": [send.pk]},
        follow=True,
    )
    assert "1 request will be sent again." in page.content.decode()
    send.refresh_from_db()
    assert send.state == Outbox.State.PENDING and send.attempts == 0
    drain()  # the CRM is still down: given up again
    send.refresh_from_db()
    assert send.state == Outbox.State.FAILED and send.attempts == 1
    retry = request.events.filter(data__outcome="retry").get()
    assert not retry.public and "admin" in retry.text
