"""A city admin subscribes an integrator: audited, its secret shown once and never again;
given-up deliveries are visible with their last error and sent again by hand."""

import pytest

from fixboard.audit.models import AuditEntry
from fixboard.core.models import Outbox
from fixboard.webhooks.models import Subscription, WebhookDelivery
from tests.factories import submit_pothole

from .conftest import drain, subscribe

pytestmark = pytest.mark.django_db


def form(city, **overrides) -> dict:
    data = {
        "jurisdiction": city.jurisdiction.pk,
        "name": "Open data portal",
        "target_url": "https://hooks.example.org/fixboard",
        "kinds": ["created", "status_changed"],
        "service_types": [city.pothole.pk],
        "max_attempts": "5",
        "active": "on",
    }
    data.update(overrides)
    return data


def test_the_secret_is_shown_once_on_creation_and_never_again(admin_client, city):
    page = admin_client.post("/admin/webhooks/subscription/add/", form(city), follow=True)
    sub = Subscription.objects.get()
    assert sub.kinds == ["created", "status_changed"]
    assert list(sub.service_types.all()) == [city.pothole]
    assert sub.secret.startswith("whsec_") and sub.secret in page.content.decode()
    listing = admin_client.get("/admin/webhooks/subscription/").content.decode()
    change = admin_client.get(f"/admin/webhooks/subscription/{sub.pk}/change/").content.decode()
    for html in (listing, change):
        assert sub.secret not in html and f"…{sub.secret[-4:]}" in html
    entry = AuditEntry.objects.get(object_id=str(sub.pk), content_type__model="subscription")
    assert sub.secret not in str(entry.changes) and "secret" in entry.changes


def test_bad_values_are_told_field_by_field(admin_client, city):
    page = admin_client.post(
        "/admin/webhooks/subscription/add/",
        form(city, target_url="not a url", kinds=[], max_attempts="0"),
    )
    assert page.status_code == 200
    errors = page.context["adminform"].form.errors
    assert {"target_url", "kinds", "max_attempts"} <= set(errors)
    assert not Subscription.objects.exists()


def test_a_new_secret_is_shown_once_and_audited(admin_client, city, receiver):
    sub = subscribe(city, receiver)
    old = sub.secret
    page = admin_client.post(
        "/admin/webhooks/subscription/",
        {"action": "issue_new_secret", "_selected_action": [sub.pk]},
        follow=True,
    )
    sub.refresh_from_db()
    assert sub.secret != old and sub.secret in page.content.decode()
    assert AuditEntry.objects.filter(
        object_id=str(sub.pk), action=AuditEntry.Action.KEY_ISSUED
    ).exists()


def test_a_given_up_delivery_is_listed_and_sent_again_by_hand(
    admin_client, city, receiver, django_capture_on_commit_callbacks
):
    subscribe(city, receiver, max_attempts=1)
    receiver.statuses = [500]
    with django_capture_on_commit_callbacks(execute=True):
        request = submit_pothole(city)
    drain()
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == Outbox.State.FAILED
    listing = admin_client.get("/admin/webhooks/webhookdelivery/?state=failed")
    assert "HTTP 500" in listing.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        page = admin_client.post(
            "/admin/webhooks/webhookdelivery/",
            {"action": "retry_selected", "_selected_action": [delivery.pk]},
            follow=True,
        )
    assert "1 delivery will be sent again" in page.content.decode()
    delivery.refresh_from_db()
    assert delivery.state == Outbox.State.SENT
    assert [p["request"]["id"] for p in receiver.accepted] == [request.public_id]
