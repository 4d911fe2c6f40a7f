"""The permission matrix: every staff URL × every role gets exactly what it should.

Each staff URL is one row of STAFF_URLS: its name, method, how to build its path (and its
form data, for a POST) from the world below, and what each role gets. A page added to the
work app adds its row here; the test then checks it for every role, so a forgotten role
check or scope filter shows up as a difference in the table.

Outcomes, after following redirects:
  OK          200
  LOGIN       sent to the staff sign-in (/login/?next=...)
  FORBIDDEN   403, the site's own page saying why
  to(path)    sent on to `path` (e.g. /login/ sends a signed-in member to their work)
  404         (or any other status) that status
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import resolve

from fixboard.accounts import scope
from fixboard.accounts.models import User
from fixboard.reports.models import ServiceRequest
from tests.factories import UserFactory, make_city, submit_pothole

pytestmark = pytest.mark.django_db

OK, LOGIN, FORBIDDEN = 200, "login", 403

ANONYMOUS = "anonymous"
RESIDENT = "resident"
AGENT = "agent"
STAFF = "staff of the department"
OTHER_STAFF = "staff of another department"
MANAGER = "manager"
ADMIN = "admin of the city"
OTHER_ADMIN = "admin of another city"
SUPERUSER = "superuser"
ROLES = (ANONYMOUS, RESIDENT, AGENT, STAFF, OTHER_STAFF, MANAGER, ADMIN, OTHER_ADMIN, SUPERUSER)
SIGNED_IN = ROLES[1:]
CITY_STAFF = (AGENT, STAFF, OTHER_STAFF, MANAGER, ADMIN, OTHER_ADMIN, SUPERUSER)
CHANGERS = (STAFF, MANAGER, ADMIN, SUPERUSER)  # may change the world's request


def to(path: str) -> str:
    return f"→ {path}"


def only(allowed, *, ok=OK, refused=FORBIDDEN, anonymous=LOGIN, **special) -> dict:
    """The outcome for each role: `ok` for the `allowed` roles, `refused` for the other
    signed-in ones, `anonymous` for a stranger; `special` overrides one role by name
    (e.g. other_staff=404)."""
    outcomes = {role: (ok if role in allowed else refused) for role in SIGNED_IN}
    outcomes[ANONYMOUS] = anonymous
    names = {role.replace(" ", "_"): role for role in ROLES}
    for name, outcome in special.items():
        outcomes[names[name]] = outcome
    return outcomes


@dataclass
class World:
    """A city whose Streets department has one open request, another city, and one
    account per role."""

    city: object
    other_city: object
    request: ServiceRequest
    users: dict[str, User] = field(default_factory=dict)


@dataclass(frozen=True)
class StaffUrl:
    name: str
    method: str
    path: Callable[[World], str]
    expected: dict  # role → outcome (see `only`)
    data: Callable[[World], dict] | None = None


STAFF_URLS = [
    StaffUrl(
        "sign-in page",
        "GET",
        lambda w: "/login/",
        only(CITY_STAFF, ok=to("/queue/"), refused=OK, anonymous=OK),
    ),
    StaffUrl(
        "sign-in, back to a page",
        "GET",
        lambda w: "/login/?next=/account/security/",
        only(CITY_STAFF, ok=to("/account/security/"), refused=OK, anonymous=OK),
    ),
    StaffUrl(
        "two-step code page (no password given)",
        "GET",
        lambda w: "/login/code/",
        only(CITY_STAFF, ok=to("/queue/"), refused=LOGIN),
    ),
    StaffUrl("sign-out page", "GET", lambda w: "/logout/", only(SIGNED_IN)),
    StaffUrl("sign out", "POST", lambda w: "/logout/", only(SIGNED_IN, ok=LOGIN), lambda w: {}),
    StaffUrl("work queue", "GET", lambda w: "/queue/", only(CITY_STAFF)),
    StaffUrl("sign-in security", "GET", lambda w: "/account/security/", only(CITY_STAFF)),
    StaffUrl(
        "sign-in security: confirm a code (malformed: the form again)",
        "POST",
        lambda w: "/account/security/",
        only(CITY_STAFF, ok=400),
        lambda w: {"action": "confirm", "code": "abcdef"},
    ),
    StaffUrl(
        "two-step code (no password given)",
        "POST",
        lambda w: "/login/code/",
        only(CITY_STAFF, ok=to("/queue/"), refused=LOGIN),
        lambda w: {"code": "123456"},
    ),
    StaffUrl("administration", "GET", lambda w: "/admin/", only((ADMIN, OTHER_ADMIN, SUPERUSER))),
    StaffUrl(
        "administration: requests",
        "GET",
        lambda w: "/admin/reports/servicerequest/",
        only((ADMIN, OTHER_ADMIN, SUPERUSER)),
    ),
]


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world() -> World:
    city, other = make_city(), make_city()
    here, there = [city.jurisdiction], [other.jurisdiction]
    world = World(city, other, submit_pothole(city))
    assert world.request.department == city.streets
    world.users = {
        RESIDENT: UserFactory(role=User.Role.RESIDENT),
        AGENT: UserFactory(role=User.Role.AGENT, jurisdictions=here),
        STAFF: UserFactory(role=User.Role.STAFF, jurisdictions=here, departments=[city.streets]),
        OTHER_STAFF: UserFactory(
            role=User.Role.STAFF, jurisdictions=here, departments=[city.parks]
        ),
        MANAGER: UserFactory(
            role=User.Role.MANAGER, jurisdictions=here, departments=[city.streets]
        ),
        ADMIN: UserFactory(role=User.Role.ADMIN, is_staff=True, jurisdictions=here),
        OTHER_ADMIN: UserFactory(role=User.Role.ADMIN, is_staff=True, jurisdictions=there),
        SUPERUSER: UserFactory(is_staff=True, is_superuser=True),
    }
    # What a superuser grants a city admin in the admin: seeing the requests (of their city).
    seeing = Permission.objects.get(codename="view_servicerequest")
    for role in (ADMIN, OTHER_ADMIN):
        world.users[role].user_permissions.add(seeing)
    return world


def outcome(response) -> object:
    if response.status_code == 403:
        # The site's own page, saying why.
        return FORBIDDEN if 'class="site-header"' in response.text else "403 (not our page)"
    if response.redirect_chain:
        final = response.request["PATH_INFO"]
        if final == "/login/" and "next=" in response.redirect_chain[-1][0]:
            return LOGIN
        if response.status_code == 200:
            query = response.request.get("QUERY_STRING")
            return LOGIN if final == "/login/" and not query else to(final)
    return response.status_code


def visit(client: Client, url: StaffUrl, world: World):
    path = url.path(world)
    if url.method == "GET":
        return client.get(path, follow=True)
    return client.post(path, url.data(world) if url.data else {}, follow=True)


@pytest.mark.parametrize("url", STAFF_URLS, ids=lambda u: u.name)
def test_each_role_gets_exactly_what_it_should(world, url):
    got = {}
    for role in ROLES:
        client = Client()
        if role != ANONYMOUS:
            client.force_login(world.users[role])
        got[role] = outcome(visit(client, url, world))

    assert got == url.expected


def test_every_staff_url_is_in_the_matrix(world):
    """Each URL of the work app has a row (or several): a new page must add one."""
    from fixboard.work import urls

    covered = {resolve(u.path(world).split("?")[0]).route for u in STAFF_URLS}
    missing = [str(p.pattern) for p in urls.urlpatterns if str(p.pattern) not in covered]
    assert not missing, f"add rows to STAFF_URLS for {missing}"


# The scope rule itself: who may change a request of the Streets department.


def test_who_may_change_a_request_of_the_department(world):
    request = world.request
    city = world.city
    granted = UserFactory(
        role=User.Role.STAFF, jurisdictions=[city.jurisdiction], departments=[city.parks]
    )
    granted.granted_departments.set([city.streets])
    switched_off = UserFactory(
        role=User.Role.STAFF,
        jurisdictions=[city.jurisdiction],
        departments=[city.streets],
        is_active=False,
    )
    actors = {**world.users, "staff granted the department": granted, "switched off": switched_off}

    def answer(actor):
        try:
            scope.check_may_change(actor, request)
        except PermissionDenied as exc:
            return str(exc)
        return "may change"

    got = {name: answer(actor) for name, actor in actors.items()}

    elsewhere = "Your account does not work for Testville; ask an administrator to add it."
    assert got == {
        RESIDENT: elsewhere,
        AGENT: "Call-takers add notes and callers; ask the department to change the request.",
        STAFF: "may change",
        OTHER_STAFF: (
            f"{request.public_id} belongs to another department; ask its manager, or an "
            "administrator to grant you that department."
        ),
        MANAGER: "may change",
        ADMIN: "may change",
        OTHER_ADMIN: elsewhere,
        SUPERUSER: "may change",
        "staff granted the department": "may change",
        "switched off": elsewhere,
    }
    # The same answer for lists: the requests each may change.
    for name, actor in actors.items():
        may = scope.changeable(ServiceRequest.objects.all(), actor).filter(pk=request.pk).exists()
        assert may == (got[name] == "may change"), name
