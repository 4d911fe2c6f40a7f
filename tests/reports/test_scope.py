"""The domain functions hold every actor to its jurisdictions, whatever door calls them."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from fixboard.accounts.models import ApiClient, User
from fixboard.reports import actions
from fixboard.reports.actions import ContactDetails, upsert_contact
from fixboard.reports.models import Event, Status
from tests.factories import UserFactory, make_city, submit_pothole

pytestmark = pytest.mark.django_db


@pytest.fixture
def cities():
    return make_city("los-angeles"), make_city("san-francisco")


def _client(city) -> ApiClient:
    client = ApiClient.objects.create(
        name=f"app of {city.jurisdiction.slug}", key_hash=city.jurisdiction.slug
    )
    client.jurisdictions.add(city.jurisdiction)
    return client


def _resident():
    return upsert_contact(ContactDetails(email="ana@example.org"))


# Each write on a request of Los Angeles, given (request, the acting person, the API client).
WRITES = {
    "support": lambda r, who, via: actions.support(request=r, actor=who or _resident(), client=via),
    "follow": lambda r, who, via: actions.follow(request=r, actor=who or _resident(), client=via),
    "comment": lambda r, who, via: actions.add_update(
        request=r, text="Still there", actor=who or _resident(), client=via
    ),
    "transition": lambda r, who, via: actions.transition(
        request=r, to_status=Status.IN_PROGRESS, actor=who, client=via
    ),
    "internal note": lambda r, who, via: actions.add_update(
        request=r, text="Crew booked", actor=who, public=False, client=via
    ),
    "assign": lambda r, who, via: actions.assign(
        request=r, actor=who, department=r.jurisdiction.departments.get(code="parks")
    ),
    "merge": lambda r, who, via: actions.merge(
        duplicate=submit_pothole_in(r), canonical=r, actor=who
    ),
}


def submit_pothole_in(request):
    return actions.submit_request(
        service_type=request.service_type,
        lat=request.lat,
        long=request.long,
        attributes={"depth": "deep"},
        actor=None,
    )


# (acting person, API client) → (the writes it may make on a Los Angeles request, those it
# may not). A resident's other writes are the doors' business (who may reopen, for one);
# assignments and merges take no API client.
PUBLIC = {"support", "follow", "comment"}
CITY = {"transition", "internal note", "assign", "merge"}
CLIENT_WRITES = PUBLIC | {"transition", "internal note"}
ACTORS = {
    "a resident": (None, None, PUBLIC, set()),
    "LA's app": (None, "A", CLIENT_WRITES, set()),
    "SF's app": (None, "B", set(), CLIENT_WRITES),
    "LA's staff": ("A", None, PUBLIC | CITY, set()),
    # Support and follows are a person's own; a staff member's public update is the city's.
    "SF's staff": ("B", None, {"support", "follow"}, {"comment"} | CITY),
    "a superuser": ("super", None, PUBLIC | CITY, set()),
}


@pytest.mark.parametrize("write", WRITES)
def test_who_may_make_each_write(cities, write):
    la, sf = cities
    staff = {
        "A": UserFactory(
            role=User.Role.STAFF, jurisdictions=[la.jurisdiction], departments=[la.streets]
        ),
        "B": UserFactory(
            role=User.Role.STAFF, jurisdictions=[sf.jurisdiction], departments=[sf.streets]
        ),
        "super": UserFactory(is_superuser=True),
    }
    apps = {"A": _client(la), "B": _client(sf)}
    wrong = []
    for name, (person, app, allowed, refused) in ACTORS.items():
        if write not in allowed | refused:
            continue
        try:
            WRITES[write](submit_pothole(la), staff.get(person), apps.get(app))
        except PermissionDenied:
            done = False
        else:
            done = True
        if done != (write in allowed):
            wrong.append(f"{name}: {'done' if done else 'refused'}")
    assert not wrong, wrong


def test_a_submission_through_an_app_stays_in_its_city(cities):
    la, sf = cities
    with pytest.raises(PermissionDenied, match="may not act in"):
        submit_pothole(la, client=_client(sf))
    assert submit_pothole(la, client=_client(la)).jurisdiction == la.jurisdiction


def test_only_staff_of_the_city_are_assigned(cities):
    la, sf = cities
    request = submit_pothole(la)
    boss = UserFactory(
        role=User.Role.STAFF, jurisdictions=[la.jurisdiction], departments=[la.streets]
    )
    stranger = UserFactory(role=User.Role.STAFF, jurisdictions=[sf.jurisdiction])
    with pytest.raises(ValidationError) as refused:
        actions.assign(request=request, actor=boss, assignee=stranger)
    assert "does not work for this jurisdiction" in refused.value.message_dict["assignee"][0]
    colleague = UserFactory(role=User.Role.STAFF, jurisdictions=[la.jurisdiction])
    actions.assign(request=request, actor=boss, assignee=colleague)


def test_moderators_hide_comments_only_in_their_city(cities):
    la, sf = cities
    comment = actions.add_update(request=submit_pothole(la), text="Spam", actor=_resident())
    sf_agent = UserFactory(role=User.Role.AGENT, jurisdictions=[sf.jurisdiction])
    la_agent = UserFactory(role=User.Role.AGENT, jurisdictions=[la.jurisdiction])
    assert not actions.may_moderate(sf_agent, la.jurisdiction.pk)
    assert actions.may_moderate(sf_agent) and actions.may_moderate(la_agent, la.jurisdiction.pk)
    with pytest.raises(PermissionDenied, match="does not work for"):
        actions.hide_comment(comment=comment, actor=sf_agent, reason="Spam")
    actions.hide_comment(comment=comment, actor=la_agent, reason="Spam")
    assert Event.objects.get(pk=comment.pk).hidden
