"""The console's rows of the permission matrix (tests/work/test_permissions.py): call-takers,
managers and admins of the city take calls; department staff, residents and strangers
do not; nobody reaches another agent's call."""

import pytest
from django.db import transaction
from django.test import Client
from django.urls import resolve

from fixboard.console import urls
from fixboard.console.actions import start_call
from tests.work.test_permissions import (
    ADMIN,
    AGENT,
    ANONYMOUS,
    FORBIDDEN,
    MANAGER,
    OK,
    ROLES,
    SUPERUSER,
    StaffUrl,
    _fast_hashing,  # noqa: F401
    only,
    outcome,
    to,
    visit,
    world,  # noqa: F401
)

pytestmark = pytest.mark.django_db

TAKERS = (AGENT, MANAGER, ADMIN, SUPERUSER)
HOME = to("/console/")


def own_call(path: str):
    """A URL of the visitor's own call: `{call}` is filled in per role (see `visit_as`)."""
    return lambda w: path


CONSOLE_URLS = [
    # Another city's admin has no city of theirs here, but a console of their own.
    StaffUrl("console", "GET", lambda w: "/console/", only(TAKERS, other_admin=OK)),
    StaffUrl(
        "console: start a call",
        "POST",
        lambda w: "/console/calls/",
        only(TAKERS, ok=HOME, other_admin=400),
        lambda w: {"jurisdiction": w.city.jurisdiction.pk},
    ),
    StaffUrl(
        "console: find the caller",
        "POST",
        own_call("/console/calls/{call}/caller/"),
        only(TAKERS, ok=OK, other_admin=OK),
        lambda w: {"q": "3235551234"},
    ),
    StaffUrl(
        "console: change the caller (none yet: the reason)",
        "POST",
        own_call("/console/calls/{call}/change-caller/"),
        only(TAKERS, ok=400, other_admin=400),
        lambda w: {},
    ),
    # Another city's admin works on a call of their own city (the same square as this one).
    StaffUrl(
        "console: the place",
        "POST",
        own_call("/console/calls/{call}/place/"),
        only(TAKERS, ok=HOME, other_admin=HOME),
        lambda w: {"lat": "34.05", "long": "-118.25"},
    ),
    StaffUrl(
        "console: addresses as typed",
        "GET",
        own_call("/console/calls/{call}/places/?q=1900"),
        only(TAKERS, other_admin=OK),
    ),
    StaffUrl(
        "console: the problem",
        "POST",
        own_call("/console/calls/{call}/problem/"),
        only(TAKERS, ok=HOME, other_admin=HOME),
        lambda w: {"q": "pothole"},
    ),
    StaffUrl(
        "console: services as typed",
        "GET",
        own_call("/console/calls/{call}/problems/?q=pot"),
        only(TAKERS, other_admin=OK),
    ),
    StaffUrl(
        "console: create (nothing found yet: the reasons)",
        "POST",
        own_call("/console/calls/{call}/create/"),
        only(TAKERS, ok=400, other_admin=400),
        lambda w: {},
    ),
    StaffUrl(
        "console: add the caller (no caller yet: the reason)",
        "POST",
        own_call("/console/calls/{call}/add/{request}/"),
        only(TAKERS, ok=400, other_admin=400),
        lambda w: {},
    ),
    StaffUrl(
        "console: status given",
        "POST",
        own_call("/console/calls/{call}/status-given/"),
        only(TAKERS, ok=HOME, other_admin=HOME),
        lambda w: {},
    ),
    StaffUrl(
        "console: informational (no topic: the reason)",
        "POST",
        own_call("/console/calls/{call}/informational/"),
        only(TAKERS, ok=400, other_admin=400),
        lambda w: {},
    ),
    StaffUrl(
        "console: text the caller (no number yet: the reason)",
        "POST",
        own_call("/console/calls/{call}/text/"),
        only(TAKERS, ok=400, other_admin=400),
        lambda w: {"what": "online"},
    ),
    StaffUrl(
        "console: e-mail the caller the request id (no request yet: the reason)",
        "POST",
        own_call("/console/calls/{call}/email/"),
        only(TAKERS, ok=400, other_admin=400),
        lambda w: {},
    ),
    StaffUrl(
        "console: end the call",
        "POST",
        own_call("/console/calls/{call}/end/"),
        only(TAKERS, ok=HOME, other_admin=HOME),
        lambda w: {"notes": "Asked about parking"},
    ),
]


def path_for(url: StaffUrl, w, call_id) -> str:
    return url.path(w).format(call=call_id, request=w.request.public_id)


@pytest.mark.parametrize("url", CONSOLE_URLS, ids=lambda u: u.name)
def test_each_role_gets_exactly_what_it_should(world, url):  # noqa: F811
    got = {}
    for role in ROLES:
        with transaction.atomic():
            client = Client()
            call_id = 0
            if role != ANONYMOUS:
                user = world.users[role]
                client.force_login(user)
                jurisdiction = (
                    world.other_city.jurisdiction
                    if role == "admin of another city"
                    else world.city.jurisdiction
                )
                if role in TAKERS or role == "admin of another city":
                    call_id = start_call(agent=user, jurisdiction=jurisdiction).pk
            bound = StaffUrl(
                url.name, url.method, lambda w, c=call_id: path_for(url, w, c), {}, url.data
            )
            got[role] = outcome(visit(client, bound, world))
            transaction.set_rollback(True)
    assert got == url.expected


def test_another_agents_call_is_not_found(world):  # noqa: F811
    call = start_call(agent=world.users[AGENT], jurisdiction=world.city.jurisdiction)
    client = Client()
    client.force_login(world.users[MANAGER])
    assert client.post(f"/console/calls/{call.pk}/end/").status_code == 404
    assert client.get(f"/console/calls/{call.pk}/places/?q=19").status_code == 404


def test_every_console_url_is_in_the_matrix(world):  # noqa: F811
    covered = {resolve(path_for(u, world, 1).split("?")[0]).route for u in CONSOLE_URLS}
    missing = [str(p.pattern) for p in urls.urlpatterns if f"console/{p.pattern}" not in covered]

    assert not missing, f"add rows to CONSOLE_URLS for {missing}"


assert FORBIDDEN  # the refusal every other role gets (see `only`)
