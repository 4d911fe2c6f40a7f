"""The admin's rows of the permission matrix (tests/work/test_permissions.py): the city's
phone lines, on-hold messages, CRM endpoints and sends, webhook subscriptions and deliveries.

A superuser has granted both cities' admins every permission on these models, so what keeps
another city's admin out is the scope alone: their lists do not show the city's rows (nor
name them in a filter), its rows are not found, and their posts change nothing. Nobody
deletes these rows; staff, call-takers, managers and residents do not reach the admin.

Outcomes are those of the staff matrix, and for a list page SHOWN (the city's row is on it)
or HIDDEN (nothing of it is). A row that changes something also names who changed it.
"""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.db import transaction
from django.test import Client
from django.urls import resolve

from fixboard.bridge import polling
from fixboard.bridge.models import CrmPoll, CrmSend
from fixboard.catalog.actions import (
    save_crm_endpoint,
    save_hold_message,
    save_phone_line,
    save_routing_rule,
)
from fixboard.catalog.models import CrmEndpoint, HoldMessage, PhoneLine
from fixboard.core import outbox
from fixboard.core.models import Outbox
from fixboard.reports.models import Event
from fixboard.webhooks.actions import queue_deliveries, save_subscription
from fixboard.webhooks.models import Subscription, WebhookDelivery
from tests.factories import submit_pothole
from tests.work.test_permissions import (
    ADMIN,
    ANONYMOUS,
    FORBIDDEN,
    OK,
    OTHER_ADMIN,
    ROLES,
    SUPERUSER,
    World,
    _fast_hashing,  # noqa: F401
    only,
    outcome,
    to,
    world,  # noqa: F401
)

pytestmark = pytest.mark.django_db

SHOWN, HIDDEN = "shows the city's row", "shows nothing of it"
ADMINS = (ADMIN, OTHER_ADMIN, SUPERUSER)
CITY_ADMINS = (ADMIN, SUPERUSER)  # the city's own, and a superuser
NOT_FOUND = to("/admin/")  # the admin's "does not exist" redirect to its index
MODELS = (PhoneLine, HoldMessage, CrmEndpoint, CrmSend, CrmPoll, Subscription, WebhookDelivery)


@dataclass
class AdminWorld:
    """The staff matrix's world with the city's phone configuration, a CRM endpoint with a
    given-up send and its polling state, and a subscription with a given-up delivery (the
    other city has a CRM endpoint and a subscription too)."""

    w: World
    line: PhoneLine
    message: HoldMessage
    endpoint: CrmEndpoint
    send: CrmSend
    poll: CrmPoll
    subscription: Subscription
    delivery: WebhookDelivery


@pytest.fixture
def aw(world) -> AdminWorld:  # noqa: F811
    city = world.city
    line = save_phone_line(
        actor="test", data={"jurisdiction": city.jurisdiction, "number": "+13235550100"}
    )
    message = save_hold_message(
        actor="test",
        data={
            "jurisdiction": city.jurisdiction,
            "language": "en",
            "digit": 1,
            "text": "Press 1 for a text with a link to report online.",
        },
    )
    endpoint = save_crm_endpoint(
        actor="test",
        data={
            "jurisdiction": city.jurisdiction,
            "name": "Zqx Motorola CRM",
            "base_url": "https://crm.testville.example/open311/v2",
            "poll": CrmEndpoint.Poll.UPDATES,
            "poll_minutes": 5,
        },
    )
    save_routing_rule(
        actor="test",
        data={
            "jurisdiction": city.jurisdiction,
            "order": 1,
            "service_type": city.pothole,
            "department": city.streets,
            "crm_endpoint": endpoint,
        },
    )
    subscription = save_subscription(
        actor="test",
        data={
            "jurisdiction": city.jurisdiction,
            "name": "Zqx open data portal",
            "target_url": "https://hooks.testville.example/fixboard",
            "kinds": ["created"],
        },
    )
    # The other city has its own, so that a filter listing every CRM or subscription shows.
    there = world.other_city.jurisdiction
    save_crm_endpoint(
        actor="test",
        data={"jurisdiction": there, "name": "Other CRM", "base_url": "https://crm.example"},
    )
    save_subscription(
        actor="test",
        data={
            "jurisdiction": there,
            "name": "Other portal",
            "target_url": "https://hooks.example",
            "kinds": ["created"],
        },
    )
    forwarded = submit_pothole(city)  # enters the CRM's outbox with the request
    send = CrmSend.objects.get(request=forwarded)
    outbox.record_failure(send, error="CRM down", permanent=True)
    (delivery,) = queue_deliveries(Event.objects.get(request=forwarded, kind="submitted"))
    outbox.record_failure(delivery, error="Integrator down", permanent=True)
    assert {send.state, delivery.state} == {Outbox.State.FAILED}  # what a retry sends again
    poll = polling.claim(endpoint)

    granted = Permission.objects.filter(
        content_type__model__in=[m._meta.model_name for m in MODELS]
    )
    for role in (ADMIN, OTHER_ADMIN):
        world.users[role].user_permissions.add(*granted)
    return AdminWorld(world, line, message, endpoint, send, poll, subscription, delivery)


@dataclass(frozen=True)
class AdminUrl:
    name: str
    method: str
    path: Callable[[AdminWorld], str]
    expected: dict  # role → outcome (see `only`)
    data: Callable[[AdminWorld], dict] | None = None
    # A list page: what of the city's row it would show.
    shows: Callable[[AdminWorld], list[str]] | None = None
    # A change: the state it changes, and the roles whose visit changed it.
    state: Callable[[AdminWorld], object] | None = None
    changers: tuple = ()


def page(model, rest: str = "") -> Callable[[AdminWorld], str]:
    """The admin page of `model`: its list, or `rest` ("add/", "{pk}/change/" with the
    pk of the world's row of that model)."""
    meta = model._meta
    attribute = {
        PhoneLine: "line",
        HoldMessage: "message",
        CrmEndpoint: "endpoint",
        CrmSend: "send",
        CrmPoll: "poll",
        Subscription: "subscription",
        WebhookDelivery: "delivery",
    }[model]
    return lambda a: (
        f"/admin/{meta.app_label}/{meta.model_name}/" + rest.format(pk=getattr(a, attribute).pk)
    )


def listing(model, shows) -> AdminUrl:
    return AdminUrl(
        f"{model._meta.verbose_name_plural}: the list",
        "GET",
        page(model),
        only(ADMINS, ok=SHOWN, other_admin=HIDDEN),
        shows=shows,
    )


def viewing(model) -> AdminUrl:
    return AdminUrl(
        f"{model._meta.verbose_name_plural}: the city's row",
        "GET",
        page(model, "{pk}/change/"),
        only(ADMINS, other_admin=NOT_FOUND),
    )


def deleting(model) -> AdminUrl:
    """Nobody deletes: the rows others refer to are deactivated instead."""
    return AdminUrl(
        f"{model._meta.verbose_name_plural}: delete the city's row",
        "GET",
        page(model, "{pk}/delete/"),
        only(()),
    )


def changing(model, data, state) -> AdminUrl:
    meta = model._meta
    return AdminUrl(
        f"{meta.verbose_name_plural}: change the city's row",
        "POST",
        page(model, "{pk}/change/"),
        only(
            CITY_ADMINS, ok=to(f"/admin/{meta.app_label}/{meta.model_name}/"), other_admin=NOT_FOUND
        ),
        data,
        state=state,
        changers=CITY_ADMINS,
    )


def retrying(model, action: str, state: "Row") -> AdminUrl:
    """The dead letters sent again by hand: another city's admin selects the row by id,
    and nothing is sent."""
    meta = model._meta
    return AdminUrl(
        f"{meta.verbose_name_plural}: send the given-up city's row again",
        "POST",
        page(model),
        only(ADMINS, ok=to(f"/admin/{meta.app_label}/{meta.model_name}/")),
        lambda a: {"action": action, "_selected_action": [state.row(a).pk]},
        state=state,
        changers=CITY_ADMINS,
    )


def endpoint_form(a: AdminWorld) -> dict:
    return {
        "jurisdiction": a.w.city.jurisdiction.pk,
        "name": "Zqx Motorola",
        "base_url": "https://crm.testville.example/open311/v2",
        "remote_jurisdiction_id": "",
        "new_api_key": "",
        "format": "json",
        "service_codes": "{}",
        "attribute_codes": "{}",
        "statuses": "{}",
        "id_attribute": "fixboard_id",
        "notes_public": "on",
        "poll": "updates",
        "poll_minutes": "5",
        "max_attempts": "8",
        "active": "on",
    }


def subscription_form(a: AdminWorld) -> dict:
    return {
        "name": "Zqx portal",
        "target_url": "https://hooks.testville.example/fixboard",
        "kinds": ["created", "updated"],
        "max_attempts": "8",
        "active": "on",
    }


class Row:
    """The current state of one of the world's rows, read from the database."""

    def __init__(self, attribute: str, *fields: str):
        self.attribute, self.fields = attribute, fields

    def row(self, a: AdminWorld):
        return getattr(a, self.attribute)

    def __call__(self, a: AdminWorld):
        row = self.row(a)
        return type(row).objects.values_list(*self.fields).get(pk=row.pk)


ADMIN_URLS = [
    # Phone lines and on-hold messages (catalog).
    listing(PhoneLine, lambda a: [a.line.number]),
    viewing(PhoneLine),
    changing(PhoneLine, lambda a: {"number": a.line.number}, Row("line", "active")),
    AdminUrl(
        "phone lines: add one to the city",
        "POST",
        page(PhoneLine, "add/"),
        # Another city's admin is offered only their own city: the form again, saying so.
        only(CITY_ADMINS, ok=to("/admin/catalog/phoneline/"), other_admin=OK),
        lambda a: {"jurisdiction": a.w.city.jurisdiction.pk, "number": "+13235550101"},
        state=lambda a: PhoneLine.objects.count(),
        changers=CITY_ADMINS,
    ),
    deleting(PhoneLine),
    listing(HoldMessage, lambda a: [a.message.text]),
    viewing(HoldMessage),
    changing(
        HoldMessage,
        lambda a: {"language": "en", "digit": "2", "text": "Press 2.", "order": "1"},
        Row("message", "digit", "text", "active"),
    ),
    deleting(HoldMessage),
    # The city's CRM (catalog), what was sent to it and its polling (bridge).
    listing(CrmEndpoint, lambda a: [a.endpoint.name]),
    viewing(CrmEndpoint),
    changing(CrmEndpoint, endpoint_form, Row("endpoint", "name")),
    deleting(CrmEndpoint),
    listing(CrmSend, lambda a: [a.send.request.public_id, a.endpoint.name, "CRM down"]),
    viewing(CrmSend),
    retrying(CrmSend, "retry_selected", Row("send", "state", "attempts")),
    deleting(CrmSend),
    listing(CrmPoll, lambda a: [a.endpoint.name]),
    viewing(CrmPoll),
    # Webhooks.
    listing(Subscription, lambda a: [a.subscription.name]),
    viewing(Subscription),
    changing(Subscription, subscription_form, Row("subscription", "name", "kinds")),
    AdminUrl(
        "webhook subscriptions: a new signing secret",
        "POST",
        page(Subscription),
        only(ADMINS, ok=to("/admin/webhooks/subscription/")),
        lambda a: {"action": "issue_new_secret", "_selected_action": [a.subscription.pk]},
        state=Row("subscription", "secret"),
        changers=CITY_ADMINS,
    ),
    deleting(Subscription),
    listing(
        WebhookDelivery,
        lambda a: [str(a.delivery.delivery_id), a.subscription.name, "Integrator down"],
    ),
    viewing(WebhookDelivery),
    retrying(WebhookDelivery, "retry_selected", Row("delivery", "state", "attempts")),
    deleting(WebhookDelivery),
]


def admin_outcome(response, url: AdminUrl, a: AdminWorld) -> object:
    got = outcome(response)
    if got != OK or url.shows is None:
        return got
    markers = url.shows(a)
    found = [m for m in markers if m in response.text]
    if found == markers:
        return SHOWN
    return HIDDEN if not found else f"shows {found}"


@pytest.mark.parametrize("url", ADMIN_URLS, ids=lambda u: u.name)
def test_each_role_gets_exactly_what_it_should(aw, url):
    got, changed = {}, set()
    before = url.state(aw) if url.state else None
    for role in ROLES:
        with transaction.atomic():
            client = Client()
            if role != ANONYMOUS:
                client.force_login(aw.w.users[role])
            path = url.path(aw)
            if url.method == "GET":
                response = client.get(path, follow=True)
            else:
                response = client.post(path, url.data(aw) if url.data else {}, follow=True)
            got[role] = admin_outcome(response, url, aw)
            if url.state and url.state(aw) != before:
                changed.add(role)
            transaction.set_rollback(True)
    assert got == url.expected
    assert changed == set(url.changers)


def test_every_page_of_these_admins_is_in_the_matrix(aw):
    """Each of these models' admins has its list and row in the matrix, and so does any
    admin the bridge and webhooks apps add."""
    covered = {resolve(u.path(aw)).url_name for u in ADMIN_URLS}
    models = set(MODELS) | {
        m for m in admin.site._registry if m._meta.app_label in ("bridge", "webhooks")
    }
    missing = [
        name
        for model in models
        for name in (
            f"{model._meta.app_label}_{model._meta.model_name}_changelist",
            f"{model._meta.app_label}_{model._meta.model_name}_change",
        )
        if name not in covered
    ]
    assert not missing, f"add rows to ADMIN_URLS for {missing}"


assert FORBIDDEN  # the refusal every role but the admins gets (see `only`)
