"""Callers' details never reach the public: a phone request and a caller added to another
one, scanned on every public door (tests/work/test_internal_privacy.py's list)."""

import pytest

from fixboard.accounts.models import User
from fixboard.console.actions import (
    add_caller_to,
    file_request,
    identify_caller,
    set_place,
    set_service_type,
    start_call,
)
from fixboard.places.search import AddressMatch
from fixboard.reports.actions import ContactDetails, save_caller
from fixboard.reports.models import Event
from tests.factories import INSIDE_WEST, UserFactory, submit_pothole
from tests.work.test_internal_privacy import public_outputs

pytestmark = pytest.mark.django_db

NAME, PHONE, EMAIL = "Zqxcaller", "(323) 555-0188", "zqx.caller@example.org"
MARKERS = (NAME, "555-0188", "5550188", EMAIL, "zqx.agent")


def test_no_public_output_shows_a_caller(city, django_capture_on_commit_callbacks):
    agent = UserFactory(
        username="zqx.agent", role=User.Role.AGENT, jurisdictions=[city.jurisdiction]
    )
    existing = submit_pothole(city, address="1900 E 4th St")
    with django_capture_on_commit_callbacks(execute=True):
        for target in ("new", existing):
            call = start_call(agent=agent, jurisdiction=city.jurisdiction)
            caller = save_caller(
                details=ContactDetails(name=NAME, phone=PHONE, email=EMAIL),
                may_text=True,
                may_email=True,
            )
            identify_caller(call=call, contact=caller)
            set_place(call=call, place=AddressMatch("1900 E 4th St", "90033", *INSIDE_WEST))
            set_service_type(call=call, service_type=city.pothole)
            if target == "new":
                new = file_request(call=call, attributes={"depth": "deep"})
            else:
                add_caller_to(call=call, request=existing)
    assert Event.objects.filter(request=existing, kind=Event.Kind.CALLER_ADDED).exists()
    for request in (new, existing):
        outputs = public_outputs(city, request)
        leaks = [f"{m} in {door}" for door, text in outputs.items() for m in MARKERS if m in text]
        assert not leaks, leaks
        assert request.public_id in outputs["request page"]
    assert (
        "Another resident reported this by phone" in public_outputs(city, existing)["request page"]
    )
