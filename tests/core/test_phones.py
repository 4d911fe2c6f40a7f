import pytest
from django.core.exceptions import ValidationError

from fixboard.core.phones import display_phone, parse_phone, phone_or_blank


@pytest.mark.parametrize(
    "typed",
    [
        "(323) 555-1234",
        "323.555.1234",
        "323 555 1234",
        "+1 323 555 1234",
        "1-323-555-1234",
        "3235551234",
        "+13235551234",
    ],
)
def test_common_spellings_become_one_number(typed):
    assert parse_phone(typed) == "+13235551234"


def test_a_foreign_number_keeps_its_country():
    assert parse_phone("+44 20 7946 0958") == "+442079460958"
    assert display_phone("+442079460958") == "+44 20 7946 0958"


@pytest.mark.parametrize("typed", ["555-1234", "call me", "", "123", "+1 023 555 1234"])
def test_what_is_no_number_gets_a_clear_error(typed):
    with pytest.raises(ValidationError) as caught:
        parse_phone(typed)
    assert "area code" in caught.value.messages[0]
    assert phone_or_blank(typed) == ""


def test_home_numbers_are_shown_as_the_city_writes_them():
    assert display_phone("+13235551234") == "(323) 555-1234"


def test_the_region_is_a_setting(settings):
    settings.PHONE_REGION = "GB"
    assert parse_phone("020 7946 0958") == "+442079460958"
