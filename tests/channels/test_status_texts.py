"""Status changes texted to residents who reported by phone or text and agreed to texts."""

import pytest

from fixboard.notify.models import TextMessage
from fixboard.notify.optouts import opt_out
from fixboard.reports.actions import ContactDetails, save_caller, submit_request, transition
from fixboard.reports.models import Channel, CloseReason, Status
from tests.factories import INSIDE_WEST, UserFactory

from .conftest import RESIDENT, SITE, reply_to

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(city):
    return UserFactory(role="staff", jurisdictions=[city.jurisdiction], departments=[city.streets])


def reported_by_phone(city, *, may_text=True, channel=Channel.PHONE):
    caller = save_caller(details=ContactDetails(phone="(323) 555-1234"), may_text=may_text)
    return submit_request(
        service_type=city.pothole,
        lat=INSIDE_WEST[0],
        long=INSIDE_WEST[1],
        attributes={"depth": "deep"},
        actor=None,
        channel=channel,
        reporter=caller,
    )


def test_a_status_change_is_texted_to_the_caller(
    city, staff, sms_outbox, django_capture_on_commit_callbacks
):
    request = reported_by_phone(city)
    with django_capture_on_commit_callbacks(execute=True):
        transition(request=request, to_status=Status.IN_PROGRESS, actor=staff)
    (sent,) = sms_outbox()
    assert sent["to"] == RESIDENT
    assert sent["body"].startswith("Testville 311: your request changed.")
    assert f"{request.public_id}, Pothole at" in sent["body"]
    assert ": in progress." in sent["body"]
    assert f"{SITE}/requests/{request.public_id}/" in sent["body"]
    text = TextMessage.objects.get()
    assert (text.kind, text.request) == (TextMessage.Kind.STATUS_CHANGE, request)


def test_a_request_made_by_text_hears_back_in_its_language(
    city, staff, client, sms_outbox, django_capture_on_commit_callbacks
):
    for body in ("Hay un bache en la calle", "1900 E 4th St", "1", "SI"):
        reply_to(client, body)
    request = city.pothole.requests.get()
    with django_capture_on_commit_callbacks(execute=True):
        transition(
            request=request, to_status=Status.CLOSED, close_reason=CloseReason.FIXED, actor=staff
        )
    (sent,) = sms_outbox()
    assert sent["body"].startswith("311 de Testville: su aviso ha cambiado.")
    assert ": arreglado." in sent["body"]


@pytest.mark.parametrize(
    "case", ["no consent", "said stop", "reported on the web", "internal change"]
)
def test_no_text_without_consent_after_stop_for_web_reports_or_internal_changes(
    city, staff, sms_outbox, django_capture_on_commit_callbacks, case
):
    request = reported_by_phone(
        city,
        may_text=case != "no consent",
        channel=Channel.WEB if case == "reported on the web" else Channel.PHONE,
    )
    if case == "said stop":
        opt_out(phone=RESIDENT, source="stop")
    with django_capture_on_commit_callbacks(execute=True):
        transition(
            request=request,
            to_status=Status.ACKNOWLEDGED,
            actor=staff,
            public=case != "internal change",
        )
    assert sms_outbox() == []
    assert not TextMessage.objects.exists()
