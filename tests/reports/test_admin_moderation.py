"""Comments in the admin: agents and admins hide or restore them, with a reason, in bulk."""

import pytest

from fixboard.accounts.models import User
from fixboard.reports.actions import ContactDetails, add_update, flag_comment, upsert_contact
from fixboard.reports.models import Event
from fixboard.reports.selectors import public_timeline
from tests.factories import UserFactory, submit_pothole

pytestmark = pytest.mark.django_db

LIST = "/admin/reports/comment/"


@pytest.fixture
def comments(city):
    request = submit_pothole(city)
    resident = upsert_contact(ContactDetails(email="troll@example.org"))
    spam = add_update(request=request, text="Spam one", actor=resident)
    flag_comment(comment=spam, actor=None, client_key="s1")
    return [spam, add_update(request=request, text="Spam two", actor=resident)]


def signed_in(client, role, jurisdiction):
    user = UserFactory(
        role=role, is_staff=True, username=f"{role}.user", jurisdictions=[jurisdiction]
    )
    user.save()
    client.force_login(user)
    return user


def test_only_agents_and_admins_see_comments(client, city, comments):
    signed_in(client, User.Role.STAFF, city.jurisdiction)
    assert client.get(LIST).status_code == 403
    client.logout()
    signed_in(client, User.Role.AGENT, city.jurisdiction)
    page = client.get(LIST)
    assert page.status_code == 200
    assert "Spam one" in page.content.decode() and "Spam two" in page.content.decode()


def test_hide_selected_asks_for_a_reason_then_hides_each(client, city, comments):
    agent = signed_in(client, User.Role.AGENT, city.jurisdiction)
    selected = {"action": "hide_selected", "_selected_action": [c.pk for c in comments]}

    ask = client.post(LIST, selected)
    assert ask.status_code == 200 and "Reason (staff only)" in ask.content.decode()
    missing = client.post(LIST, {**selected, "reason": ""})
    assert "This field is required." in missing.content.decode()

    done = client.post(LIST, {**selected, "reason": "Advertising"}, follow=True)

    assert "2 comments hidden." in done.content.decode()
    request = comments[0].request
    assert not [e for e in public_timeline(request) if e.kind == Event.Kind.PUBLIC_UPDATE]
    hidings = request.events.filter(kind=Event.Kind.COMMENT_HIDDEN)
    assert sorted((e.data["comment"], e.actor_user.pk, e.text) for e in hidings) == [
        (c.pk, agent.pk, "Advertising") for c in comments
    ]

    again = client.post(
        LIST,
        {"action": "restore_selected", "_selected_action": [comments[0].pk], "reason": "Fine"},
        follow=True,
    )
    assert "1 comment shown again." in again.content.decode()
    assert [e.text for e in public_timeline(request) if e.kind == Event.Kind.PUBLIC_UPDATE] == [
        "Spam one"
    ]
