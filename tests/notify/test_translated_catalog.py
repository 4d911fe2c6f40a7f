"""E-mails name the city's texts in the recipient's language where Fixboard knows it (the
language of the page that asked for them); the default language's text where untranslated."""

import pytest

from tests.factories import submit_pothole, translate_to_spanish

pytestmark = pytest.mark.django_db

NEIGHBOUR = "vecina@example.org"


def follow(client, commit, request, **headers):
    return commit(
        client.post,
        request.get_absolute_url() + "follow/",
        {"follow-email": NEIGHBOUR},
        follow=True,
        **headers,
    )


def test_a_follow_link_asked_in_spanish_names_the_spanish_service(client, commit, mailbox, city):
    translate_to_spanish(city)
    request = commit(submit_pothole, city)
    follow(client, commit, request, HTTP_ACCEPT_LANGUAGE="es")

    [mail] = mailbox.received
    assert mail.subject == f"Confirme que quiere seguir el aviso {request.public_id}"
    assert f"{request.public_id} (Bache)" in mail.body
    assert "Pothole" not in mail.body and "Bache" in mail.html


def test_a_follow_link_asked_in_english_names_the_english_service(client, commit, mailbox, city):
    translate_to_spanish(city)
    request = commit(submit_pothole, city)
    follow(client, commit, request)

    [mail] = mailbox.received
    assert f"{request.public_id} (Pothole)" in mail.body
