"""Who may act where: every door and admin page, for each kind of actor, across two cities.

City A is Los Angeles, city B San Francisco. Each write is tried by each actor on a request of
Los Angeles; each admin page is read by each actor, who must see exactly their own city's rows.
"""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from fixboard.accounts import scope
from fixboard.accounts.models import ApiClient, User
from fixboard.catalog.models import AutomationRule, RoutingRule
from fixboard.notify.models import (
    Delivery,
    DepartmentSubscription,
    SignInToken,
    Unsubscribe,
    WatchArea,
)
from fixboard.open311.models import Submission
from fixboard.places.models import AddressPoint, Jurisdiction
from fixboard.reports.actions import ContactDetails, add_update, hide_comment, upsert_contact
from fixboard.reports.models import Contact, Event, ServiceRequest
from tests.factories import UserFactory, make_city, submit_pothole

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "resident",
    "key A",
    "key B",
    "agent A",
    "agent B",
    "admin A",
    "admin B",
    "superuser",
]
CITY_APPS = ["accounts", "catalog", "places", "reports", "notify", "open311"]


@dataclass
class World:
    a: object
    b: object
    request: ServiceRequest  # in Los Angeles
    users: dict
    keys: dict


def _key(name: str, jurisdiction) -> str:
    client = ApiClient(name=name)
    key = client.set_new_key()
    client.save()
    client.jurisdictions.add(jurisdiction)
    return key


def _user(role: str, jurisdiction=None, **fields) -> User:
    # No password (hashing one takes a good part of a second): the tests sign in directly.
    return UserFactory(
        role=role, jurisdictions=[jurisdiction] if jurisdiction else None, password=None, **fields
    )


def _city_admin(jurisdiction) -> User:
    """A city admin who is not a superuser: every permission of Fixboard's models."""
    user = _user(User.Role.ADMIN, jurisdiction, is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label__in=CITY_APPS))
    return user


@pytest.fixture
def world() -> World:
    cache.clear()  # API clients' rate limits
    a, b = make_city("los-angeles"), make_city("san-francisco")
    Jurisdiction.objects.filter(pk=a.jurisdiction.pk).update(name="Los Angeles")
    Jurisdiction.objects.filter(pk=b.jurisdiction.pk).update(name="San Francisco")
    a.jurisdiction.refresh_from_db()
    b.jurisdiction.refresh_from_db()
    users = {
        "resident": _user(User.Role.RESIDENT),
        "agent A": _user(User.Role.AGENT, a.jurisdiction, is_staff=True),
        "agent B": _user(User.Role.AGENT, b.jurisdiction, is_staff=True),
        "admin A": _city_admin(a.jurisdiction),
        "admin B": _city_admin(b.jurisdiction),
        "superuser": _user(User.Role.ADMIN, is_staff=True, is_superuser=True),
    }
    keys = {"key A": _key("LA app", a.jurisdiction), "key B": _key("SF app", b.jurisdiction)}
    request = submit_pothole(a, email="ana.reyes@example.org")
    return World(a, b, request, users, keys)


def browser(world: World, role: str) -> Client:
    """The actor's HTTP client: signed in, or sending its API key to the REST API."""
    client = Client(headers={"X-Api-Key": world.keys[role]} if role in world.keys else {})
    if role in world.users:
        client.force_login(world.users[role])
    return client


# --- The rule itself ----------------------------------------------------------------------


def test_the_rule_for_each_kind_of_actor(world):
    la, sf = world.a.jurisdiction, world.b.jurisdiction
    la_app = ApiClient.objects.get(name="LA app")
    expected = {
        "resident": set(),
        "agent A": {la.pk},
        "agent B": {sf.pk},
        "admin A": {la.pk},
        "superuser": scope.EVERYWHERE,
    }
    for role, ids in expected.items():
        assert scope.jurisdiction_ids(User.objects.get(pk=world.users[role].pk)) == ids, role
    assert scope.jurisdiction_ids(la_app) == {la.pk}
    assert scope.jurisdiction_ids(None) == set()
    assert scope.jurisdiction_ids(Contact(email="x@example.org")) == set()
    assert scope.jurisdiction_ids("import") == set()

    User.objects.filter(pk=world.users["agent A"].pk).update(is_active=False)
    ApiClient.objects.filter(pk=la_app.pk).update(active=False)
    assert not scope.may_act_in(User.objects.get(pk=world.users["agent A"].pk), la)
    assert not scope.may_act_in(ApiClient.objects.get(pk=la_app.pk), la)


# --- Every write an actor can make on a Los Angeles request -------------------------------

WRITER_OF_A = {"anonymous", "resident", "key A", "agent A", "agent B"}
WRITER_OF_A |= {"admin A", "admin B", "superuser"}  # people act as residents anywhere
CITY_OF_A = {"key A"}  # Open311: API keys only
MODERATOR_OF_A = {"agent A", "admin A", "superuser"}


def _rest(world, role, path, data):
    response = browser(world, role).post(
        f"/api/v1/requests/{world.request.public_id}/{path}" if path else "/api/v1/requests",
        data,
        content_type="application/json",
    )
    return response.status_code, response.status_code < 300


def rest_submit(world, role):
    data = {
        "jurisdiction": "los-angeles",
        "service_code": "pothole",
        "lat": 34.05,
        "long": -118.25,
        "attributes": {"depth": "deep"},
        "email": "ana@example.org",
    }
    return _rest(world, role, "", data)


def rest_support(world, role):
    return _rest(world, role, "support", {"email": f"{role.replace(' ', '')}@example.org"})


def rest_follow(world, role):
    return _rest(world, role, "follow", {"email": f"{role.replace(' ', '')}@example.org"})


def rest_comment(world, role):
    return _rest(world, role, "comments", {"text": "Still there", "email": "ana@example.org"})


def _open311(world, role, resource, data):
    key = {"api_key": world.keys[role]} if role in world.keys else {}
    response = browser(world, role).post(
        f"/open311/v2/{resource}.json", {"jurisdiction_id": "los-angeles", **key, **data}
    )
    return response.status_code, response.status_code < 300


def open311_submit(world, role):
    data = {"service_code": "pothole", "lat": "34.05", "long": "-118.25"}
    data |= {"attribute[depth]": "deep", "description": f"Posted by {role}"}
    return _open311(world, role, "requests", data)


def open311_update(world, role):
    data = {
        "service_request_id": world.request.public_id,
        "update_id": f"crm-{role}",
        "status": "UNCHANGED",
        "updated_datetime": (timezone.now() - timedelta(minutes=1)).isoformat(),
        "description": f"Note from {role}",
    }
    return _open311(world, role, "servicerequestupdates", data)


def _comment(world) -> Event:
    troll = upsert_contact(ContactDetails(email="troll@example.org"))
    return add_update(request=world.request, text="Buy cheap watches", actor=troll)


def _moderate(world, role, comment, action):
    response = browser(world, role).post(
        f"/requests/{world.request.public_id}/comments/{comment.pk}/{action}/",
        {"reason": "Advertising"},
    )
    comment.refresh_from_db()
    return response.status_code, comment.hidden == (action == "hide")


def web_hide(world, role):
    return _moderate(world, role, _comment(world), "hide")


def web_restore(world, role):
    comment = _comment(world)
    hide_comment(comment=comment, actor=world.users["superuser"], reason="Spam")
    return _moderate(world, role, comment, "restore")


WRITES = {
    rest_submit: WRITER_OF_A,
    rest_support: WRITER_OF_A,
    rest_follow: WRITER_OF_A,
    rest_comment: WRITER_OF_A,
    open311_submit: CITY_OF_A,
    open311_update: CITY_OF_A,
    web_hide: MODERATOR_OF_A,
    web_restore: MODERATOR_OF_A,
}


@pytest.mark.parametrize("write", WRITES, ids=lambda w: w.__name__)
def test_who_may_write_to_a_los_angeles_request(world, write):
    wrong = []
    for role in ROLES:
        status, done = write(world, role)
        allowed = role in WRITES[write]
        if done != allowed or (not allowed and status != 403):
            wrong.append(f"{role}: {status}, {'done' if done else 'refused'}")
    assert not wrong, wrong


def test_a_refusal_says_why(world):
    response = browser(world, "key B").post(
        f"/api/v1/requests/{world.request.public_id}/support",
        {"email": "sf@example.org"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert "may not act in Los Angeles" in response.json()["detail"]


# --- Every admin page ---------------------------------------------------------------------


def _admin_rows(world) -> dict[str, tuple[int, int]]:
    """Each admin list's row of Los Angeles and of San Francisco (primary keys)."""
    request_b = submit_pothole(world.b, email="zeb.q@example.net")
    pair = {}
    for name, city, sr in (("a", world.a, world.request), ("b", world.b, request_b)):
        jurisdiction = city.jurisdiction
        client = ApiClient.objects.get(jurisdictions=jurisdiction)
        watch = WatchArea.objects.create(
            email=f"{name}@example.org", jurisdiction=jurisdiction, area=city.west
        )
        pair[name] = {
            "reports/servicerequest": sr.pk,
            "reports/contact": sr.reporter_id,
            "reports/comment": _comment(World(city, None, sr, {}, {})).pk,
            "catalog/department": city.streets.pk,
            "catalog/servicetype": city.pothole.pk,
            "catalog/routingrule": RoutingRule.objects.create(
                jurisdiction=jurisdiction, order=1, service_type=city.pothole, department=city.parks
            ).pk,
            "catalog/automationrule": AutomationRule.objects.create(
                jurisdiction=jurisdiction, name=f"Rule {name}", escalate=True
            ).pk,
            "notify/departmentsubscription": DepartmentSubscription.objects.create(
                user=world.users[f"agent {name.upper()}"], department=city.streets
            ).pk,
            "places/jurisdiction": jurisdiction.pk,
            "places/area": city.west.pk,
            "places/addresspoint": AddressPoint.objects.create(
                jurisdiction=jurisdiction,
                normalized="1 main st",
                address="1 Main St",
                lat=34.05,
                long=-118.25,
            ).pk,
            "accounts/user": world.users[f"agent {name.upper()}"].pk,
            "accounts/apiclient": client.pk,
            "notify/watcharea": watch.pk,
            "notify/delivery": Delivery.objects.create(
                kind=Delivery.Kind.UPDATE, email=f"{name}@example.org", request=sr
            ).pk,
            "notify/unsubscribe": Unsubscribe.objects.create(
                email=f"{name}@example.org", request=sr
            ).pk,
            "open311/submission": Submission.objects.create(
                client=client,
                jurisdiction=jurisdiction,
                token=name,
                request=sr,
                created_at=timezone.now(),
            ).pk,
        }
    return {page: (pair["a"][page], pair["b"][page]) for page in pair["a"]}


# What each actor sees of each city: "A", "B", "AB", or "" (the page is closed to them).
SEES = {
    "anonymous": "",
    "resident": "",
    "agent A": "A",
    "agent B": "B",
    "admin A": "A",
    "admin B": "B",
    "superuser": "AB",
}
# Pages an agent may open (moderation); every other page is for admins.
AGENT_PAGES = {"reports/comment"}


def _seen(client, page: str, rows: tuple[int, int]) -> str:
    """Which of the two rows (A, B) the actor finds in the list and can open."""
    listed = client.get(f"/admin/{page}/")
    if listed.status_code != 200:
        return ""
    seen = ""
    for city, pk in zip("AB", rows, strict=True):
        in_list = f"/admin/{page}/{pk}/change/" in listed.content.decode()
        opened = client.get(f"/admin/{page}/{pk}/change/").status_code == 200
        assert in_list == opened, (page, city, in_list, opened)
        seen += city * opened
    return seen


def test_each_admin_page_shows_each_actor_only_their_city(world):
    wrong = []
    for page, rows in _admin_rows(world).items():
        for role, sees in SEES.items():
            if role.startswith("agent") and page not in AGENT_PAGES:
                sees = ""
            seen = _seen(browser(world, role), page, rows)
            if seen != sees:
                wrong.append(f"{page}, {role}: sees {seen or 'nothing'}, not {sees or 'nothing'}")
    assert not wrong, wrong


def test_a_city_admin_never_sees_another_city_s_residents(world):
    submit_pothole(world.b, email="zeb.q@example.net")
    client = browser(world, "admin A")
    for page in ("reports/contact", "reports/servicerequest", "notify/delivery"):
        text = client.get(f"/admin/{page}/").content.decode()
        assert "zeb.q@example.net" not in text, page
    request = ServiceRequest.objects.get(reporter__email="zeb.q@example.net")
    text = client.get(f"/admin/reports/servicerequest/{request.pk}/change/", follow=True)
    assert "zeb.q@example.net" not in text.content.decode()
    assert "ana.reyes@example.org" in client.get("/admin/reports/contact/").content.decode()


def test_only_a_superuser_sees_sign_in_links_and_superusers(world):
    SignInToken.objects.create(email="ana@example.org", expires_at=timezone.now())
    admin_a = browser(world, "admin A")
    assert "ana@example.org" not in admin_a.get("/admin/notify/signintoken/").content.decode()
    assert "/admin/notify/signintoken/" not in admin_a.get("/admin/").content.decode()
    superuser = world.users["superuser"]
    superuser.jurisdictions.add(world.a.jurisdiction)
    page = f"/admin/accounts/user/{superuser.pk}/change/"
    assert admin_a.get(page).status_code != 200
    assert browser(world, "superuser").get(page).status_code == 200


@pytest.mark.parametrize(
    "page",
    [
        "catalog/department",
        "catalog/servicetype",
        "catalog/routingrule",
        "accounts/user",
        "accounts/apiclient",
    ],
)
def test_forms_offer_only_the_admin_s_own_city(world, page):
    text = browser(world, "admin A").get(f"/admin/{page}/add/").content.decode()
    assert "Los Angeles" in text
    assert "San Francisco" not in text
    assert (
        "San Francisco" in browser(world, "superuser").get(f"/admin/{page}/add/").content.decode()
    )


def test_a_city_admin_cannot_add_a_jurisdiction_or_make_a_superuser(world):
    admin_a = browser(world, "admin A")
    assert admin_a.get("/admin/places/jurisdiction/add/").status_code == 403
    agent = world.users["agent A"]
    page = admin_a.get(f"/admin/accounts/user/{agent.pk}/change/").content.decode()
    assert 'name="is_superuser"' not in page


def test_a_city_admin_adds_staff_to_their_own_city_only(world):
    admin_a = browser(world, "admin A")
    form = {
        "username": "maria",
        "email": "maria@la.example.gov",
        "role": User.Role.STAFF,
        "password1": "a long enough passphrase",
        "password2": "a long enough passphrase",
        "usable_password": "true",
    }
    nowhere = admin_a.post("/admin/accounts/user/add/", form)
    elsewhere = admin_a.post(
        "/admin/accounts/user/add/", {**form, "jurisdictions": [world.b.jurisdiction.pk]}
    )
    assert nowhere.status_code == elsewhere.status_code == 200  # the form, with its errors
    assert not User.objects.filter(username="maria").exists()

    admin_a.post("/admin/accounts/user/add/", {**form, "jurisdictions": [world.a.jurisdiction.pk]})

    maria = User.objects.get(username="maria")
    assert list(maria.jurisdictions.all()) == [world.a.jurisdiction]
    assert admin_a.get(f"/admin/accounts/user/{maria.pk}/change/").status_code == 200
