"""The permission matrix: every staff URL × every role gets exactly what it should.

Each staff URL is one row of STAFF_URLS: its name, method, how to build its path (and its
form data, for a POST) from the world below, and what each role gets. A page added to the
work app adds its row here; the test then checks it for every role, so a forgotten role
check or scope filter shows up as a difference in the table. The console's rows are in
tests/console/test_permissions.py, the admin pages' in test_admin_permissions.py.

Outcomes, after following redirects:
  OK          200
  LOGIN       sent to the staff sign-in (/login/?next=...)
  FORBIDDEN   403, the site's own page saying why
  to(path)    sent on to `path` (e.g. /login/ sends a signed-in member to their work);
              `{request}` and `{closed}` in it stand for the world's requests' public ids
  404         (or any other status) that status

Each role visits the same world afresh: what one role's POST changed is undone before the
next role's turn, so a row's POST is one that would succeed for every allowed role.
"""

import io
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.test import Client
from django.urls import resolve
from PIL import Image

from fixboard.accounts import scope
from fixboard.accounts.models import User
from fixboard.reports.actions import add_update, hide_comment, transition
from fixboard.reports.models import CloseReason, Event, Photo, ServiceRequest, Status
from fixboard.work import saved
from fixboard.work.models import SavedView
from tests.factories import INSIDE_EAST, UserFactory, make_city, submit_pothole

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
# How `only` names each role: `only(..., other_admin=404)`.
ROLE_NAMES = (
    "anonymous",
    "resident",
    "agent",
    "staff",
    "other_staff",
    "manager",
    "admin",
    "other_admin",
    "superuser",
)
SIGNED_IN = ROLES[1:]
CITY_STAFF = (AGENT, STAFF, OTHER_STAFF, MANAGER, ADMIN, OTHER_ADMIN, SUPERUSER)
CHANGERS = (STAFF, MANAGER, ADMIN, SUPERUSER)  # may change the world's request
MODERATORS = (AGENT, ADMIN, SUPERUSER)  # may hide and restore residents' comments


def to(path: str) -> str:
    return f"→ {path}"


BACK = to("/queue/requests/{request}/")  # an action done, back on the request's work view
BACK_CLOSED = to("/queue/requests/{closed}/")


def only(allowed, *, ok=OK, refused=FORBIDDEN, anonymous=LOGIN, **special) -> dict:
    """The outcome for each role: `ok` for the `allowed` roles, `refused` for the other
    signed-in ones, `anonymous` for a stranger; `special` overrides one role by name
    (e.g. other_staff=404)."""
    outcomes = {role: (ok if role in allowed else refused) for role in SIGNED_IN}
    outcomes[ANONYMOUS] = anonymous
    names = dict(zip(ROLE_NAMES, ROLES, strict=True))
    for name, outcome in special.items():
        outcomes[names[name]] = outcome
    return outcomes


@dataclass
class World:
    """A city whose Streets department has one open request (with a photo, a resident's
    comment and a hidden one), another open request to merge it into and a closed one;
    another city; one account per role; a saved view of the staff member's own and one
    shared with Streets."""

    city: object
    other_city: object
    request: ServiceRequest
    canonical: ServiceRequest
    closed: ServiceRequest
    photo: Photo
    comment: Event
    hidden_comment: Event
    own_view: SavedView
    shared_view: SavedView
    users: dict[str, User] = field(default_factory=dict)


def work(request: ServiceRequest, rest: str = "") -> str:
    """The work view of `request`, or one of its actions (`rest`, e.g. "assign/")."""
    return f"/queue/requests/{request.public_id}/{rest}"


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
        only(CITY_STAFF, ok=to("/queue/"), refused=OK, anonymous=OK, agent=to("/console/")),
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
        only(CITY_STAFF, ok=to("/queue/"), refused=LOGIN, agent=to("/console/")),
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
        only(CITY_STAFF, ok=to("/queue/"), refused=LOGIN, agent=to("/console/")),
        lambda w: {"code": "123456"},
    ),
    StaffUrl("administration", "GET", lambda w: "/admin/", only((ADMIN, OTHER_ADMIN, SUPERUSER))),
    StaffUrl(
        "administration: requests",
        "GET",
        lambda w: "/admin/reports/servicerequest/",
        only((ADMIN, OTHER_ADMIN, SUPERUSER)),
    ),
    # The queue's own pages.
    StaffUrl("work queue: the live count", "GET", lambda w: "/queue/count/", only(CITY_STAFF)),
    StaffUrl(
        "work queue: mark all seen",
        "POST",
        lambda w: "/queue/seen/",
        only(CITY_STAFF, ok=to("/queue/")),
        lambda w: {"query": "sort=newest"},
    ),
    # Any member may ask; the report lists each request the domain refused and why
    # (tests/work/test_bulk.py reads it), so the page itself answers every member alike.
    StaffUrl(
        "work queue: bulk acknowledge",
        "POST",
        lambda w: "/queue/bulk/",
        only(CITY_STAFF),
        lambda w: {"ids": [w.request.public_id], "action": "acknowledge"},
    ),
    StaffUrl(
        "work queue: bulk with nothing selected (the form again)",
        "POST",
        lambda w: "/queue/bulk/",
        only(CITY_STAFF, ok=400),
        lambda w: {"action": "acknowledge"},
    ),
    StaffUrl(
        "saved views: save one's own",
        "POST",
        lambda w: "/queue/views/",
        only(CITY_STAFF, ok=to("/queue/")),
        lambda w: {"name": "Phone calls", "query": "channel=phone"},
    ),
    # Nobody else sees a person's own view: not found.
    StaffUrl(
        "saved views: rename one's own",
        "POST",
        lambda w: f"/queue/views/{w.own_view.pk}/",
        only((STAFF,), ok=to("/queue/"), refused=404, resident=FORBIDDEN),
        lambda w: {"operation": "rename", "name": "Calls"},
    ),
    # A view shared with Streets: its members, and the city's call-takers and admins, see
    # it; only its managers and the admins rename it, the others are told why on the queue.
    StaffUrl(
        "saved views: rename one shared with the department",
        "POST",
        lambda w: f"/queue/views/{w.shared_view.pk}/",
        only(
            (AGENT, STAFF, MANAGER, ADMIN, SUPERUSER),
            ok=to("/queue/"),
            other_staff=404,
            other_admin=404,
        ),
        lambda w: {"operation": "rename", "name": "Streets overdue"},
    ),
    # The work view of one request: anyone of its jurisdiction reads it and adds notes;
    # another city's staff find nothing (404).
    StaffUrl(
        "request: work view", "GET", lambda w: work(w.request), only(CITY_STAFF, other_admin=404)
    ),
    StaffUrl(
        "request: a photo",
        "GET",
        lambda w: work(w.request, f"photos/{w.photo.pk}/"),
        only(CITY_STAFF, other_admin=404),
    ),
    StaffUrl(
        "request: a canned response's text",
        "GET",
        lambda w: work(w.request, "canned/"),
        only(CITY_STAFF, other_admin=404),
    ),
    StaffUrl(
        "request: merge preview",
        "GET",
        lambda w: work(w.request, f"merge/preview/?merge-canonical={w.canonical.public_id}"),
        only(CITY_STAFF, other_admin=404),
    ),
    StaffUrl(
        "request: internal note",
        "POST",
        lambda w: work(w.request, "update/"),
        only(CITY_STAFF, ok=BACK, other_admin=404),
        lambda w: {"update-text": "Crew booked for Monday", "visibility": "internal"},
    ),
    # Public updates: the department, and call-takers (who answer the residents).
    StaffUrl(
        "request: public update",
        "POST",
        lambda w: work(w.request, "update/"),
        only((AGENT, *CHANGERS), ok=BACK, other_admin=404),
        lambda w: {"update-text": "Crew booked for Monday", "visibility": "public"},
    ),
    # Changes: the department's staff and managers, the city's admins.
    StaffUrl(
        "request: assign to a person",
        "POST",
        lambda w: work(w.request, "assign/"),
        only(CHANGERS, ok=BACK, other_admin=404),
        lambda w: {"assign-assignee": w.users[STAFF].pk},
    ),
    StaffUrl(
        "request: change the status",
        "POST",
        lambda w: work(w.request, "status/"),
        only(CHANGERS, ok=BACK, other_admin=404),
        lambda w: {"status-to_status": Status.ACKNOWLEDGED, "status-note": "On our list"},
    ),
    StaffUrl(
        "request: merge into another",
        "POST",
        lambda w: work(w.request, "merge/"),
        only(CHANGERS, ok=BACK, other_admin=404),
        lambda w: {"merge-canonical": w.canonical.public_id, "merge-note": "Same hole"},
    ),
    StaffUrl(
        "request: change the service type",
        "POST",
        lambda w: work(w.request, "service-type/"),
        only(CHANGERS, ok=BACK, other_admin=404),
        lambda w: {"service_type-service_type": w.city.bulky.pk, "service_type-note": ""},
    ),
    StaffUrl(
        "request: move it",
        "POST",
        lambda w: work(w.request, "location/"),
        only(CHANGERS, ok=BACK, other_admin=404),
        lambda w: {
            "location-lat": INSIDE_EAST[0],
            "location-long": INSIDE_EAST[1],
            "location-address": "200 Main St",
            "location-note": "",
        },
    ),
    StaffUrl(
        "request: set the priority",
        "POST",
        lambda w: work(w.request, "priority/"),
        only(CHANGERS, ok=BACK, other_admin=404),
        lambda w: {"priority-priority": "2", "priority-reason": "On a school route"},
    ),
    StaffUrl(
        "request: correct the close reason",
        "POST",
        lambda w: work(w.closed, "close-reason/"),
        only(CHANGERS, ok=BACK_CLOSED, other_admin=404),
        lambda w: {
            "close_reason-close_reason": CloseReason.NOT_ACTIONABLE,
            "close_reason-referred_to": "",
            "close_reason-note": "Nothing to fix there",
        },
    ),
    StaffUrl(
        "request: redact the description",
        "POST",
        lambda w: work(w.request, "redact/description/"),
        only(CHANGERS, ok=BACK, other_admin=404),
        lambda w: {
            "redact-description-text": "A pothole",
            "redact-description-reason": "The reporter's phone number",
        },
    ),
    StaffUrl(
        "request: redact a comment's text",
        "POST",
        lambda w: work(w.request, f"redact/events/{w.comment.pk}/"),
        only(CHANGERS, ok=BACK, other_admin=404),
        lambda w: {
            f"redact-event-{w.comment.pk}-text": "It is still there.",
            f"redact-event-{w.comment.pk}-reason": "A neighbour's name",
        },
    ),
    StaffUrl(
        "request: hide a photo",
        "POST",
        lambda w: work(w.request, f"redact/photos/{w.photo.pk}/"),
        only(CHANGERS, ok=BACK, other_admin=404),
        lambda w: {f"redact-photo-{w.photo.pk}-reason": "A face"},
    ),
    # Moderation: the city's call-takers and admins.
    StaffUrl(
        "request: hide a resident's comment",
        "POST",
        lambda w: work(w.request, f"comments/{w.comment.pk}/hide/"),
        only(MODERATORS, ok=BACK, other_admin=404),
        lambda w: {f"moderate-{w.comment.pk}-reason": "Insults"},
    ),
    StaffUrl(
        "request: restore a hidden comment",
        "POST",
        lambda w: work(w.request, f"comments/{w.hidden_comment.pk}/restore/"),
        only(MODERATORS, ok=BACK, other_admin=404),
        lambda w: {f"moderate-{w.hidden_comment.pk}-reason": "Hidden by mistake"},
    ),
]


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), "orange").save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def world() -> World:
    city, other = make_city(), make_city()
    here, there = [city.jurisdiction], [other.jurisdiction]
    users = {
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
        users[role].user_permissions.add(seeing)

    request = submit_pothole(city, photos=[(jpeg(), "pothole.jpg")])
    comment = add_update(request=request, text="John Doe hit it too", actor=users[RESIDENT])
    hidden = add_update(request=request, text="Fix it, idiots", actor=users[RESIDENT])
    hide_comment(comment=hidden, actor=users[AGENT], reason="Insults")
    closed = submit_pothole(city)
    transition(
        request=closed,
        to_status=Status.CLOSED,
        close_reason=CloseReason.FIXED,
        note="Filled",
        actor=users[STAFF],
    )
    world = World(
        city,
        other,
        request,
        canonical=submit_pothole(city, at=INSIDE_EAST),
        closed=closed,
        photo=Photo.objects.get(request=request),
        comment=comment,
        hidden_comment=hidden,
        own_view=saved.save_view(actor=users[STAFF], name="Mine", query="sort=newest"),
        shared_view=saved.save_view(
            actor=users[MANAGER], name="Overdue", query="sla=overdue", department=city.streets
        ),
        users=users,
    )
    for sr in (world.request, world.canonical, world.closed):
        assert sr.department == city.streets
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
        # Each role on the world as built: what this visit changes is rolled back.
        with transaction.atomic():
            client = Client()
            if role != ANONYMOUS:
                client.force_login(world.users[role])
            got[role] = outcome(visit(client, url, world))
            transaction.set_rollback(True)

    ids = {"request": world.request.public_id, "closed": world.closed.public_id}
    expected = {
        role: want.format(**ids) if isinstance(want, str) else want
        for role, want in url.expected.items()
    }
    assert got == expected


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
