"""Callers: phones kept in E.164, found in any spelling (older contacts too), consent, and
a caller added to a request already open."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from fixboard.accounts.models import User
from fixboard.reports.actions import (
    ContactDetails,
    add_caller,
    save_caller,
    transition,
    upsert_contact,
)
from fixboard.reports.contacts import find_contacts, stored_forms
from fixboard.reports.models import CloseReason, Contact, Event, Status
from tests.factories import UserFactory, make_city, submit_pothole

pytestmark = pytest.mark.django_db


def test_new_phones_are_kept_in_e164():
    contact = upsert_contact(ContactDetails(name="Ana", phone="(323) 555-1234"))
    assert contact.phone == "+13235551234"


def test_a_phone_that_is_no_number_is_kept_as_its_digits():
    assert upsert_contact(ContactDetails(phone="ext. 12")).phone == "12"


def test_an_older_contact_stored_as_digits_is_found_and_not_duplicated():
    old = Contact.objects.create(name="Ana", phone="3235551234")
    assert upsert_contact(ContactDetails(phone="+1 323 555 1234")) == old
    assert Contact.objects.count() == 1
    for spelling in ("323.555.1234", "(323) 555-1234", "+13235551234", "1-323-555-1234"):
        assert find_contacts(spelling) == [old], spelling


def test_stored_forms_cover_the_digit_spellings_of_before():
    assert set(stored_forms("+13235551234")) == {
        "+13235551234",
        "13235551234",
        "3235551234",
        "03235551234",
    }


def test_an_e_mail_finds_its_contact_whatever_the_case():
    contact = upsert_contact(ContactDetails(email="ana@example.org"))
    assert find_contacts(" ANA@example.org ") == [contact]


def test_an_unknown_phone_format_says_so():
    with pytest.raises(ValidationError) as exc:
        find_contacts("555")
    assert "is not a phone number we can call" in exc.value.messages[0]


def test_save_caller_records_consent_and_checks_each_field():
    contact = save_caller(
        details=ContactDetails(name="Lee", phone="213 555 0199"), may_text=True, may_email=False
    )
    assert (contact.phone, contact.may_text, contact.may_email) == ("+12135550199", True, False)
    with pytest.raises(ValidationError) as exc:
        save_caller(details=ContactDetails(phone="12", email="nope"))
    assert set(exc.value.message_dict) == {"phone", "email"}
    with pytest.raises(ValidationError) as exc:
        save_caller(details=ContactDetails())
    assert "name" in exc.value.message_dict


@pytest.fixture
def city():
    return make_city()


@pytest.fixture
def agent(city):
    return UserFactory(role=User.Role.AGENT, jurisdictions=[city.jurisdiction])


def test_a_caller_joins_an_open_request_with_one_public_entry(city, agent):
    request = submit_pothole(city)
    caller = upsert_contact(ContactDetails(name="Lee", phone="2135550199"))
    event = add_caller(request=request, contact=caller, actor=agent)
    request.refresh_from_db()
    assert (request.support_count, request.follow_count) == (1, 1)
    assert (event.kind, event.public, event.actor_user, event.data) == (
        Event.Kind.CALLER_ADDED,
        True,
        agent,
        {"contact": caller.pk},
    )
    assert list(Event.objects.filter(request=request).values_list("kind", flat=True)) == [
        Event.Kind.SUBMITTED,
        Event.Kind.CALLER_ADDED,
    ]
    with pytest.raises(ValidationError, match="already on this request"):
        add_caller(request=request, contact=caller, actor=agent)


def test_a_closed_request_or_another_city_refuses_the_caller(city, agent):
    caller = upsert_contact(ContactDetails(name="Lee", phone="2135550199"))
    closed = submit_pothole(city)
    transition(
        request=closed,
        to_status=Status.CLOSED,
        close_reason=CloseReason.FIXED,
        actor=UserFactory(role="admin", jurisdictions=[city.jurisdiction]),
    )
    with pytest.raises(ValidationError, match="closed"):
        add_caller(request=closed, contact=caller, actor=agent)
    elsewhere = submit_pothole(make_city())
    with pytest.raises(PermissionDenied):
        add_caller(request=elsewhere, contact=caller, actor=agent)
