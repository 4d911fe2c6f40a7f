"""Following through the API: a browser's typed address follows only once its link is opened."""

import json
from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from fixboard.reports.actions import FOLLOW_LINKS_PER_DAY, ask_to_follow
from fixboard.reports.models import Event, Follow
from tests.api.conftest import csrf_token, signed_in
from tests.factories import submit_pothole

pytestmark = pytest.mark.django_db

NEIGHBOUR = "neighbour@example.org"


@pytest.fixture
def request_(city, commit):
    return commit(submit_pothole, city)


@pytest.fixture
def follow(browser, commit, request_):
    """POST /follow as an anonymous browser with the CSRF token, running on-commit work."""
    token = csrf_token(browser)

    def post(body=None, **headers):
        return commit(
            browser.post,
            f"/api/v1/requests/{request_.public_id}/follow",
            json.dumps({"email": NEIGHBOUR} if body is None else body),
            content_type="application/json",
            headers={"X-CSRFToken": token, **headers},
        )

    return post


def counts(request_) -> tuple[int, int]:
    request_.refresh_from_db()
    return request_.follow_count, Follow.objects.filter(request=request_).count()


def test_a_browser_follows_a_typed_address_only_after_its_link_is_opened(
    client, mailbox, follow, request_
):
    response = follow({"email": " Neighbour@Example.org "})

    assert response.status_code == 202, response.content
    assert response.json() == {
        "link_sent": True,
        "detail": "We sent a link to Neighbour@Example.org: "
        "open it to start following this request.",
    }
    assert counts(request_) == (0, 0)
    asked = request_.events.get(kind=Event.Kind.FOLLOW_REQUESTED)
    assert asked.public is False and asked.actor_contact.email == NEIGHBOUR
    [mail] = mailbox.received
    assert mail.to == [NEIGHBOUR]
    assert mail.subject == f"Confirm that you want to follow {request_.public_id}"

    link = mail.link_to("/notify/follow/confirm/")
    assert client.get(link).status_code == 200
    assert counts(request_) == (0, 0)
    client.post(link)

    assert counts(request_) == (1, 1)
    assert Follow.objects.get(request=request_).contact.email_verified


def test_asking_again_soon_sends_no_second_link(mailbox, follow, request_):
    follow()
    second = follow()

    assert second.status_code == 202
    assert second.json() == {
        "link_sent": False,
        "detail": f"We sent a link to {NEIGHBOUR} a few minutes ago: open that one "
        "(look in the spam folder too).",
    }
    assert len(mailbox.received) == 1

    later = timezone.now() + timedelta(minutes=6)
    with mock.patch("django.utils.timezone.now", return_value=later):
        assert follow().json()["link_sent"] is True
    assert len(mailbox.received) == 2
    assert counts(request_) == (0, 0)


def test_too_many_links_a_day_are_refused_at_the_email_field(city, commit, mailbox, follow):
    for _ in range(FOLLOW_LINKS_PER_DAY):
        commit(ask_to_follow, request=commit(submit_pothole, city), email=NEIGHBOUR)
    mailbox.clear()

    response = follow()

    assert response.status_code == 422
    assert response.json()["errors"] == {
        "email": [
            "We have sent several links to this address today. "
            "Use one of them, or try again tomorrow."
        ]
    }
    assert mailbox.received == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "Give an e-mail address or sign in to follow."),
        ({"email": "not an address"}, "Enter a valid e-mail address."),
    ],
)
def test_a_browser_needs_a_real_address(mailbox, follow, request_, body, message):
    response = follow(body)

    assert response.status_code == 422
    assert response.json()["errors"] == {"email": [message]}
    assert not request_.events.filter(kind=Event.Kind.FOLLOW_REQUESTED).exists()
    assert mailbox.received == []


def test_the_answer_and_the_link_come_in_the_callers_language(mailbox, follow, request_):
    response = follow(**{"Accept-Language": "es"})

    assert response.json()["detail"].startswith(f"Le enviamos un enlace a {NEIGHBOUR}")
    [mail] = mailbox.received
    assert mail.subject == f"Confirme que quiere seguir el aviso {request_.public_id}"


def test_a_signed_in_account_without_an_address_confirms_the_typed_one(
    browser, mailbox, follow, request_
):
    signed_in(browser, email="")

    response = follow()

    assert response.status_code == 202
    assert [m.to for m in mailbox.received] == [[NEIGHBOUR]]
    assert counts(request_) == (0, 0)


def test_a_signed_in_resident_follows_at_once_without_an_e_mail(browser, mailbox, follow, request_):
    user = signed_in(browser, email="ana@example.org")

    response = follow({})

    assert response.status_code == 200
    assert response.json() == {"changed": True, "support_count": 0, "follow_count": 1}
    assert Follow.objects.get(request=request_).user == user
    assert mailbox.received == []


def test_an_app_follows_for_a_resident_at_once(app, commit, mailbox, request_):
    response = commit(
        app.post,
        f"/api/v1/requests/{request_.public_id}/follow",
        json.dumps({"email": NEIGHBOUR, "name": "Bo"}),
        content_type="application/json",
    )

    assert response.status_code == 200
    assert response.json()["follow_count"] == 1
    assert Follow.objects.get(request=request_).contact.email == NEIGHBOUR
    assert mailbox.received == []


def test_the_openapi_document_describes_both_answers(client):
    operation = client.get("/api/v1/openapi.json").json()["paths"][
        "/api/v1/requests/{public_id}/follow"
    ]["post"]

    answers = operation["responses"]
    assert answers["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/Changed")
    assert answers["202"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/FollowLinkSent"
    )
    assert "link e-mailed" in operation["description"]
