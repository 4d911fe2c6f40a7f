"""The request page: "Report this comment" for residents, hide and restore for agents/admins."""

import pytest

from fixboard.reports.actions import ContactDetails, add_update, upsert_contact
from fixboard.reports.models import CommentFlag, Event
from tests.factories import UserFactory, make_city, submit_pothole

pytestmark = pytest.mark.django_db

SPAM = "Cheap watches at spam.example"


@pytest.fixture
def comment(city):
    request = submit_pothole(city)
    resident = upsert_contact(ContactDetails(email="troll@example.org"))
    return add_update(request=request, text=SPAM, actor=resident)


@pytest.fixture
def agent(client, city):
    user = UserFactory(role="agent", username="agent.kim", jurisdictions=[city.jurisdiction])
    user.save()
    return user


def url(comment, action=""):
    base = comment.request.get_absolute_url()
    return f"{base}comments/{comment.pk}/{action}/" if action else base


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_a_resident_reports_a_comment_once(client, comment):
    page = client.get(url(comment)).content.decode()
    assert "Report this comment" in page

    first = client.post(url(comment, "flag"), follow=True)
    second = client.post(url(comment, "flag"), follow=True)

    assert first.redirect_chain[0][0].endswith(f"#comment-{comment.pk}")
    assert messages_of(first) == ["Thank you: the city's moderators will look at it."]
    assert messages_of(second) == ["You already reported this comment."]
    assert CommentFlag.objects.filter(comment=comment).count() == 1
    page = second.content.decode()
    assert "You reported this comment to the moderators." in page
    assert "Report this comment" not in page


def test_city_updates_offer_no_report_button(client, city):
    request = submit_pothole(city)
    add_update(request=request, text="Crew booked.", actor="crew")
    assert "Report this comment" not in client.get(request.get_absolute_url()).content.decode()


def test_residents_cannot_hide(client, comment):
    resident = UserFactory(role="resident")
    resident.save()
    client.force_login(resident)

    page = client.get(url(comment)).content.decode()
    response = client.post(url(comment, "hide"), {"reason": "I disagree"})

    assert "Hide from the public" not in page
    assert response.status_code == 403
    comment.refresh_from_db()
    assert comment.hidden is False


def test_an_agent_hides_and_restores_with_a_reason(client, comment, agent):
    client.post(url(comment, "flag"))
    client.force_login(agent)
    page = client.get(url(comment)).content.decode()
    assert "Hide this comment" in page and "reported by 1 resident" in page

    empty = client.post(url(comment, "hide"), {"reason": ""}, follow=True)
    assert messages_of(empty) == ["Give the reason; other staff will see it."]
    hidden = client.post(url(comment, "hide"), {"reason": "Advertising"}, follow=True)

    assert messages_of(hidden) == ["The comment is hidden from the public."]
    staff_page = hidden.content.decode()
    assert "Hidden comments (staff only)" in staff_page
    assert "Hidden by agent.kim on" in staff_page and "Advertising" in staff_page
    client.logout()
    public_page = client.get(url(comment)).content.decode()
    assert SPAM not in public_page and "Advertising" not in public_page

    client.force_login(agent)
    restored = client.post(url(comment, "restore"), {"reason": "A real shop"}, follow=True)
    assert messages_of(restored) == ["The comment is public again."]
    client.logout()
    assert SPAM in client.get(url(comment)).content.decode()
    kinds = comment.request.events.filter(
        kind__in=(Event.Kind.COMMENT_HIDDEN, Event.Kind.COMMENT_RESTORED)
    )
    assert [(e.kind, e.actor_user, e.text) for e in kinds] == [
        (Event.Kind.COMMENT_HIDDEN, agent, "Advertising"),
        (Event.Kind.COMMENT_RESTORED, agent, "A real shop"),
    ]


def test_moderation_pages_in_spanish(client, comment, agent):
    client.force_login(agent)
    page = client.get(url(comment), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Ocultar este comentario" in page
    client.logout()
    page = client.get(url(comment), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Denunciar este comentario" in page


def test_an_agent_of_another_city_neither_sees_nor_uses_moderation(client, comment):
    stranger = UserFactory(role="agent", jurisdictions=[make_city().jurisdiction])
    client.force_login(stranger)

    page = client.get(url(comment)).content.decode()
    response = client.post(url(comment, "hide"), {"reason": "Advertising"})

    assert "Hide from the public" not in page
    assert response.status_code == 403
    comment.refresh_from_db()
    assert comment.hidden is False
