"""E-mails are written in their recipient's language where Fixboard knows it: the language
of the page they last reported, followed or commented on; the site's language otherwise."""

import pytest

from fixboard.catalog.models import ServiceType
from fixboard.reports.actions import transition
from fixboard.reports.models import CloseReason, Contact, ServiceRequest, Status
from tests.factories import INSIDE_WEST, submit_pothole, translate_to_spanish

pytestmark = pytest.mark.django_db

REPORTER = "vecina@example.org"
NEIGHBOUR = "neighbour@example.org"


def report_in_spanish(client, commit, city) -> ServiceRequest:
    data = {
        "service": "pothole",
        "attribute[depth]": "deep",
        "description": "Un bache delante de la escuela",
        "email": REPORTER,
        "lat": INSIDE_WEST[0],
        "long": INSIDE_WEST[1],
    }
    response = commit(
        client.post, f"/{city.jurisdiction.slug}/report/", data, HTTP_ACCEPT_LANGUAGE="es"
    )
    assert response.status_code == 302
    return ServiceRequest.objects.get()


def test_a_report_made_in_spanish_gets_its_e_mails_in_spanish_end_to_end(
    client, commit, mailbox, city
):
    translate_to_spanish(city)
    ServiceType.objects.filter(pk=city.pothole.pk).update(requires_confirmation=True)

    request = report_in_spanish(client, commit, city)

    [confirmation] = mailbox.received
    assert confirmation.to == [REPORTER]
    assert confirmation.subject == f"Confirme su aviso {request.public_id}"
    assert confirmation.header("Content-Language") == "es"
    assert "Gracias por su aviso." in confirmation.body
    assert f"{request.public_id} (Bache)" in confirmation.body
    assert '<html lang="es">' in confirmation.html
    assert commit(client.post, confirmation.link_to("/confirm/")).status_code == 200

    # Someone follows it from an English page: their e-mails stay in English.
    commit(
        client.post,
        request.get_absolute_url() + "follow/",
        {"follow-email": NEIGHBOUR},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    follow_link = mailbox.to(NEIGHBOUR)[-1]
    assert follow_link.subject == f"Confirm that you want to follow {request.public_id}"
    commit(client.post, follow_link.link_to("/notify/follow/confirm/"))
    mailbox.clear()

    # The crew closes it from an English work page; each person reads it in their language.
    request.refresh_from_db()
    commit(
        transition,
        request=request,
        to_status=Status.CLOSED,
        close_reason=CloseReason.FIXED,
        actor="crew",
    )

    [spanish] = mailbox.to(REPORTER)
    assert spanish.subject == f"{request.public_id} Bache: arreglado"
    assert spanish.header("Content-Language") == "es"
    assert "Recibe este correo porque avisó de este problema o sigue este aviso." in spanish.body
    assert '<html lang="es">' in spanish.html and "Pothole" not in spanish.html
    [english] = mailbox.to(NEIGHBOUR)
    assert english.subject == f"{request.public_id} Pothole: fixed"
    assert english.header("Content-Language") == "en"
    assert '<html lang="en">' in english.html


def test_a_later_page_in_another_language_changes_the_language_of_later_e_mails(
    client, commit, mailbox, city
):
    translate_to_spanish(city)
    request = report_in_spanish(client, commit, city)
    assert Contact.objects.get(email=REPORTER).language == "es"

    # The same person comments from an English page.
    commit(
        client.post,
        request.get_absolute_url() + "comment/",
        {"comment-text": "Still there this morning", "comment-email": REPORTER},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert Contact.objects.get(email=REPORTER).language == "en"
    mailbox.clear()
    commit(transition, request=request, to_status=Status.IN_PROGRESS, actor="crew")

    [mail] = mailbox.to(REPORTER)
    assert mail.subject == f"{request.public_id} Pothole: in progress"


def test_a_recipient_whose_language_is_unknown_gets_the_site_language(commit, mailbox, city):
    translate_to_spanish(city)
    request = commit(submit_pothole, city, email=REPORTER)  # through a door with no page
    assert Contact.objects.get(email=REPORTER).language == ""

    commit(transition, request=request, to_status=Status.ACKNOWLEDGED, actor="crew")

    [mail] = mailbox.to(REPORTER)
    assert mail.subject == f"{request.public_id} Pothole: acknowledged"
    assert mail.header("Content-Language") == "en"
