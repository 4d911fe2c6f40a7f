"""The read-back step e-mails the request id to the caller, only with their consent."""

import pytest
from django.core import mail

from fixboard.console.models import Call
from fixboard.notify.models import Delivery
from fixboard.reports.models import ServiceRequest

pytestmark = pytest.mark.django_db


def url(rest: str) -> str:
    return f"/console/calls/{Call.objects.get().pk}/{rest}"


def create_request(console, *, email="lee@example.org", may_email=True):
    new = {"operation": "new", "name": "Lee", "phone": "3235550000", "email": email}
    console.post(url("caller/"), {**new, **({"may_email": "1"} if may_email else {})})
    console.post(url("place/"), {"q": "1900 e 4th"})
    console.post(url("problem/"), {"q": "hole"})
    return console.post(url("create/"), {"attr-depth": "deep"}, follow=True)


def test_the_caller_gets_the_request_id_by_e_mail_with_the_key_shown(
    console, city, django_capture_on_commit_callbacks
):
    page = create_request(console)
    assert "E-mail the request number to the caller" in page.text and "Alt+M" in page.text
    request = ServiceRequest.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        response = console.post(url("email/"), follow=True)

    assert "E-mail to lee@example.org on its way." in response.text
    [message] = mail.outbox
    assert message.to == ["lee@example.org"]
    assert message.subject == f"Your request {request.public_id}: Pothole"
    assert f"/requests/{request.public_id}/" in message.body
    html = message.alternatives[0][0]
    assert request.public_id in html and "Follow it online" in html
    assert Delivery.objects.get().state == Delivery.State.SENT


def test_without_consent_nothing_is_sent_and_the_agent_is_told(
    console, city, django_capture_on_commit_callbacks
):
    page = create_request(console, may_email=False)
    assert "Only if the caller agrees" in page.text

    with django_capture_on_commit_callbacks(execute=True):
        response = console.post(url("email/"))

    assert response.status_code == 400
    assert "The caller has not agreed to e-mails" in response.text
    assert not mail.outbox and not Delivery.objects.exists()


def test_before_there_is_a_request_it_says_so(console, city):
    response = console.post(url("email/"))
    assert response.status_code == 400
    assert "There is no request on this call yet." in response.text


def test_in_spanish(console, city, django_capture_on_commit_callbacks):
    create_request(console)
    with django_capture_on_commit_callbacks(execute=True):
        console.post(url("email/"), headers={"accept-language": "es"})
    [message] = mail.outbox
    assert message.subject.startswith("Su aviso ")
    assert "Guarde este número" in message.body


def test_a_caller_known_to_read_spanish_gets_it_in_spanish_from_an_english_console(
    console, city, django_capture_on_commit_callbacks
):
    from fixboard.reports.actions import ContactDetails, upsert_contact
    from tests.factories import translate_to_spanish

    translate_to_spanish(city)
    # Lee reported on the Spanish site once: Fixboard knows the language Lee reads.
    upsert_contact(ContactDetails(email="lee@example.org", language="es"))
    create_request(console)
    request = ServiceRequest.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        console.post(url("email/"))

    [message] = mail.outbox
    assert message.subject == f"Su aviso {request.public_id}: Bache"
    assert message.extra_headers["Content-Language"] == "es"
