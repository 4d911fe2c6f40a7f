"""A resident's name, e-mail and phone are on no public door unless they chose to show
their name: pages (with their figures), map data, downloads, feeds, widget, Open311, REST,
exports and webhook payloads (the list of tests/work/test_internal_privacy.py)."""

import pytest

from fixboard.accounts.models import User
from fixboard.reports.actions import (
    ContactDetails,
    add_update,
    follow,
    submit_request,
    support,
    transition,
)
from fixboard.reports.models import CloseReason, Contact, Status
from tests.factories import INSIDE_EAST, INSIDE_WEST, UserFactory
from tests.work.test_internal_privacy import public_outputs

pytestmark = pytest.mark.django_db

NAME, EMAIL, PHONE = "Zebulon Quartermaine", "zq.private@example.org", "+1 213 555 0199"
PUBLIC_NAME, PUBLIC_EMAIL, PUBLIC_PHONE = "Ana Public", "ana.zqx@example.org", "(323) 555-0142"
ACCOUNT = ("Marguerite", "Zqxaccount", "zqx.account@example.org", "zqx-resident")
SECRETS = (
    NAME,
    "Quartermaine",
    EMAIL,
    "555 0199",
    "555-0199",
    "5550199",
    PUBLIC_EMAIL,
    "555-0142",
    "5550142",
    *ACCOUNT,
)


def report(
    city, *, at=INSIDE_WEST, name=NAME, email=EMAIL, phone=PHONE, name_public=False, anonymous=False
):
    return submit_request(
        service_type=city.pothole,
        lat=at[0],
        long=at[1],
        attributes={"depth": "deep"},
        description="Hole by the school gate",
        reporter=ContactDetails(name=name, email=email, phone=phone),
        reporter_name_public=name_public,
        anonymous=anonymous,
        actor=None,
    )


@pytest.fixture
def reported(city, django_capture_on_commit_callbacks):
    """Three reports: a resident's with their name kept private, and with it chosen public
    but sent anonymously; another's with their name shown. Each supported, followed and
    commented on by the resident and by one with an account; one fixed. Every after-commit
    step runs (map counts, figures, e-mails)."""
    staff = UserFactory(
        role=User.Role.STAFF, jurisdictions=[city.jurisdiction], departments=[city.streets]
    )
    first, last, email, username = ACCOUNT
    neighbour = UserFactory(
        role=User.Role.RESIDENT, first_name=first, last_name=last, email=email, username=username
    )
    with django_capture_on_commit_callbacks(execute=True):
        private = report(city)
        anonymous = report(city, at=INSIDE_EAST, name_public=True, anonymous=True)
        shown = report(
            city, name=PUBLIC_NAME, email=PUBLIC_EMAIL, phone=PUBLIC_PHONE, name_public=True
        )
        resident = Contact.objects.filter(email=EMAIL).first()
        for request in (private, anonymous, shown):
            support(request=request, actor=resident)
            follow(request=request, actor=resident)
            add_update(request=request, text="Still there this morning", actor=resident)
            support(request=request, actor=neighbour)
            add_update(request=request, text="My car hit it too", actor=neighbour)
        transition(
            request=private,
            to_status=Status.CLOSED,
            close_reason=CloseReason.FIXED,
            note="Filled today",
            actor=staff,
        )
    return private, anonymous, shown


def test_no_public_output_shows_a_residents_details(city, reported):
    for request in reported:
        outputs = public_outputs(city, request)
        leaks = [f"{s} in {door}" for door, text in outputs.items() for s in SECRETS if s in text]
        assert not leaks, leaks
        # The scan read the request, its comments and figures, and what an integrator gets.
        assert request.public_id in outputs["request page"]
        assert "Still there this morning" in outputs["request page"]
        assert request.public_id in outputs["download csv"]
        assert request.public_id in outputs["download geojson"]
        assert "How fast problems get fixed" in outputs["map page"]
        assert "How fast problems get fixed here" in outputs["area page"]
        assert "How fast this gets fixed" in outputs["request page"]
        assert any(door.startswith("webhook created") for door in outputs)


def test_a_name_the_resident_chose_to_show_is_shown(city, reported):
    # Their e-mail and phone are not (above), nor a name chosen public but sent anonymously.
    outputs = public_outputs(city, reported[2])
    assert PUBLIC_NAME in outputs["request page"]
    assert PUBLIC_NAME in outputs["REST one"]
