"""Comment moderation in a real browser: a resident reports a comment, an agent hides it."""

import pytest
from playwright.sync_api import expect

from fixboard.reports.actions import ContactDetails, add_update, upsert_contact
from fixboard.reports.models import CommentFlag, Event
from tests.browser import DESKTOP, PHONE, axe_violations, screenshot
from tests.factories import UserFactory, make_city, submit_pothole

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SPAM = "Cheap watches at spam.example, call now"


def test_resident_reports_a_comment_and_an_agent_hides_it(new_page):
    city = make_city()
    request = submit_pothole(city)
    troll = upsert_contact(ContactDetails(email="troll@example.org"))
    comment = add_update(request=request, text=SPAM, actor=troll)
    UserFactory(
        role="agent", username="agent.kim", is_staff=True, jurisdictions=[city.jurisdiction]
    )

    resident = new_page(viewport=PHONE)
    resident.goto(request.get_absolute_url())
    entry = resident.locator(f"#comment-{comment.pk}")
    expect(entry).to_contain_text(SPAM)
    entry.get_by_role("button", name="Report this comment").click()
    expect(resident.get_by_role("status")).to_contain_text("moderators will look at it")
    expect(resident.locator(f"#comment-{comment.pk}")).to_contain_text(
        "You reported this comment to the moderators."
    )
    assert CommentFlag.objects.filter(comment=comment).count() == 1

    agent = new_page(viewport=DESKTOP)
    agent.goto(f"/admin/login/?next={request.get_absolute_url()}")
    agent.get_by_label("Username").fill("agent.kim")
    agent.get_by_label("Password").fill("correct horse battery")
    agent.get_by_role("button", name="Sign in").click()
    entry = agent.locator(f"#comment-{comment.pk}")
    entry.get_by_text("Hide this comment").click()
    expect(entry).to_contain_text("reported by 1 resident")
    entry.get_by_label("Reason (staff only)").fill("Advertising")
    assert axe_violations(agent) == []
    entry.get_by_role("button", name="Hide from the public").click()

    expect(agent.get_by_role("status")).to_contain_text("The comment is hidden from the public.")
    hidden = agent.get_by_role("region", name="Hidden comments (staff only)")
    expect(hidden).to_contain_text(SPAM)
    expect(hidden).to_contain_text("Hidden by agent.kim")
    expect(hidden).to_contain_text("Advertising")
    screenshot(agent, "request-moderation-desktop")
    assert axe_violations(agent) == []

    resident.reload()
    expect(resident.get_by_text(SPAM)).to_have_count(0)
    expect(resident.get_by_text("Hidden comments")).to_have_count(0)

    hidden.get_by_label("Reason (staff only)").fill("A real shop after all")
    hidden.get_by_role("button", name="Show the comment again").click()
    expect(agent.get_by_role("status")).to_contain_text("The comment is public again.")
    resident.reload()
    expect(resident.locator(f"#comment-{comment.pk}")).to_contain_text(SPAM)
    assert list(
        request.events.filter(
            kind__in=(Event.Kind.COMMENT_HIDDEN, Event.Kind.COMMENT_RESTORED)
        ).values_list("kind", "actor_user__username", "text")
    ) == [
        (Event.Kind.COMMENT_HIDDEN, "agent.kim", "Advertising"),
        (Event.Kind.COMMENT_RESTORED, "agent.kim", "A real shop after all"),
    ]
