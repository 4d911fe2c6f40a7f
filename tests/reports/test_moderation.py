"""Comment moderation: residents report comments once; agents and admins hide or restore them."""

import io

import orjson
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from PIL import Image

from fixboard.reports.actions import (
    ContactDetails,
    add_update,
    flag_comment,
    hide_comment,
    restore_comment,
    transition,
    upsert_contact,
)
from fixboard.reports.models import CommentFlag, Event, ServiceRequest
from fixboard.reports.selectors import public_photos, public_timeline, staff_hidden_comments
from tests.factories import UserFactory, submit_pothole

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent(city):
    return UserFactory(role="agent", username="agent.kim", jurisdictions=[city.jurisdiction])


@pytest.fixture
def comment(city):
    request = submit_pothole(city)
    resident = upsert_contact(ContactDetails(email="troll@example.org"))
    return add_update(request=request, text="Buy cheap watches at spam.example", actor=resident)


def test_a_comment_is_reported_once_per_person_and_per_client(comment):
    resident = UserFactory(role="resident")

    assert flag_comment(comment=comment, actor=resident) is True
    assert flag_comment(comment=comment, actor=resident, client_key="s1") is False
    assert flag_comment(comment=comment, actor=None, client_key="s1") is True
    assert flag_comment(comment=comment, actor=None, client_key="s1") is False

    assert CommentFlag.objects.filter(comment=comment).count() == 2
    flagged = comment.request.events.filter(kind=Event.Kind.COMMENT_FLAGGED)
    assert [(e.public, e.data, e.actor_user) for e in flagged] == [
        (False, {"comment": comment.pk}, resident),
        (False, {"comment": comment.pk}, None),
    ]
    with pytest.raises(ValidationError, match="Sign in to report"):
        flag_comment(comment=comment, actor=None)


def test_only_comments_can_be_reported_or_hidden(city, agent):
    request = submit_pothole(city)
    status = transition(request=request, to_status="acknowledged", actor="city system")
    with pytest.raises(ValidationError, match="Only public comments"):
        flag_comment(comment=status, actor=None, client_key="s")
    with pytest.raises(ValidationError, match="Only public comments"):
        hide_comment(comment=status, actor=agent, reason="no")


@pytest.mark.parametrize("role", ["resident", "staff", "manager"])
def test_only_agents_and_admins_moderate(comment, role):
    with pytest.raises(PermissionDenied):
        hide_comment(
            comment=comment,
            actor=UserFactory(role=role, jurisdictions=[comment.request.jurisdiction]),
            reason="Spam",
        )
    with pytest.raises(PermissionDenied):
        hide_comment(comment=comment, actor="system", reason="Spam")
    comment.refresh_from_db()
    assert comment.hidden is False


def test_hiding_needs_a_reason_and_is_recorded_with_who_and_why(comment, agent):
    with pytest.raises(ValidationError, match="Give the reason"):
        hide_comment(comment=comment, actor=agent, reason="  ")

    hidden = hide_comment(comment=comment, actor=agent, reason="Advertising")

    comment.refresh_from_db()
    assert comment.hidden is True
    assert (hidden.kind, hidden.public, hidden.actor_user, hidden.text, hidden.data) == (
        Event.Kind.COMMENT_HIDDEN,
        False,
        agent,
        "Advertising",
        {"comment": comment.pk},
    )
    assert comment.pk not in {e.id for e in public_timeline(comment.request)}
    [staff_view] = staff_hidden_comments(comment.request)
    assert (staff_view.id, staff_view.hidden_by, staff_view.reason) == (
        comment.pk,
        "agent.kim",
        "Advertising",
    )
    with pytest.raises(ValidationError, match="already hidden"):
        hide_comment(comment=comment, actor=agent, reason="again")
    with pytest.raises(ValidationError, match="already hidden"):
        flag_comment(comment=comment, actor=None, client_key="s")


def test_restoring_shows_it_again(comment):
    admin = UserFactory(role="admin", jurisdictions=[comment.request.jurisdiction])
    hide_comment(comment=comment, actor=admin, reason="Looked like spam")
    restored = restore_comment(comment=comment, actor=admin, reason="It is a real shop nearby")

    assert restored.kind == Event.Kind.COMMENT_RESTORED
    assert comment.pk in {e.id for e in public_timeline(comment.request)}
    assert staff_hidden_comments(comment.request) == []
    with pytest.raises(ValidationError, match="not hidden"):
        restore_comment(comment=comment, actor=admin, reason="twice")
    kinds = list(comment.request.events.values_list("kind", flat=True))
    assert kinds[-2:] == [Event.Kind.COMMENT_HIDDEN, Event.Kind.COMMENT_RESTORED]


def test_a_hidden_comment_leaves_the_api_and_open311(client, comment, agent):
    request: ServiceRequest = comment.request
    api = f"/api/v1/requests/{request.public_id}"
    open311 = f"/open311/v2/requests/{request.public_id}.json"

    def texts():
        timeline = client.get(api).json()["timeline"]
        [record] = orjson.loads(client.get(open311, {"extensions": "true"}).content)
        updates = orjson.loads(client.get("/open311/v2/servicerequestupdates.json").content)
        return (
            [e["text"] for e in timeline if e["text"]],
            [n["description"] for n in record["notes"] if n["description"]],
            [u["description"] for u in updates],
        )

    assert texts() == ([comment.text], [comment.text], [comment.text])
    hide_comment(comment=comment, actor=agent, reason="Spam")
    assert texts() == ([], [], [])


def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), "orange").save(buffer, "JPEG")
    return buffer.getvalue()


def test_photos_of_hidden_comments_and_internal_notes_stay_private(client, city, agent):
    request = submit_pothole(city)
    resident = upsert_contact(ContactDetails(email="troll@example.org"))
    comment = add_update(request=request, text="Look", actor=resident, photo=(jpeg(), "a.jpg"))
    add_update(
        request=request, text="Crew note", actor=agent, public=False, photo=(jpeg(), "b.jpg")
    )
    hide_comment(comment=comment, actor=agent, reason="Offensive picture")

    api = client.get(f"/api/v1/requests/{request.public_id}").json()
    [record] = orjson.loads(
        client.get(f"/open311/v2/requests/{request.public_id}.json", {"extensions": "true"}).content
    )
    listed = client.get("/api/v1/requests").json()

    assert api["photos"] == [] and api["photo"] in ("", None)
    assert record["extended_attributes"]["photos"] == []
    assert [r["photo"] for r in listed["items"]] in ([""], [None])
    assert public_photos(request) == []
