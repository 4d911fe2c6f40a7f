"""A merge tells the duplicate's reporter and followers, once."""

import pytest

from fixboard.reports.actions import ContactDetails, follow, merge, transition, upsert_contact
from tests.factories import INSIDE_EAST, UserFactory, submit_pothole

pytestmark = pytest.mark.django_db

REPORTER = "ana.reporter@example.org"
FOLLOWER = "maria.follower@example.org"


@pytest.fixture
def staff(city):
    return UserFactory(
        role="staff",
        email="clerk@city.example.gov",
        jurisdictions=[city.jurisdiction],
        departments=[city.streets],
    )


def test_merging_an_open_request_mails_its_reporter_once(city, staff, commit, mailbox):
    canonical = submit_pothole(city)
    duplicate = commit(submit_pothole, city, at=INSIDE_EAST, email=REPORTER)
    commit(follow, request=duplicate, actor=upsert_contact(ContactDetails(email=FOLLOWER)))

    commit(merge, duplicate=duplicate, canonical=canonical, actor=staff)

    assert sorted(m.to[0] for m in mailbox.received) == [REPORTER, FOLLOWER]
    mail = mailbox.to(REPORTER)[0]
    assert mail.subject.endswith(": closed (duplicate)")
    assert f"Duplicate of {canonical.public_id}" in mail.body


def test_merging_a_request_closed_before_mails_that_it_was_merged(city, staff, commit, mailbox):
    canonical = submit_pothole(city)
    duplicate = commit(submit_pothole, city, at=INSIDE_EAST, email=REPORTER)
    commit(
        transition,
        request=duplicate,
        to_status="closed",
        close_reason="not_actionable",
        actor=staff,
    )
    mailbox.clear()

    commit(merge, duplicate=duplicate, canonical=canonical, actor=staff, note="Same hole")

    [mail] = mailbox.received
    assert mail.to == [REPORTER]
    assert mail.subject.endswith(f": merged with {canonical.public_id}")
    assert "Same hole" in mail.body
