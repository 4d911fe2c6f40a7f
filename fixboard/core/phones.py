"""Phone numbers as people say and type them, kept in one form: E.164 ("+13235551234").

Callers give numbers in any common spelling ("(323) 555-1234", "323.555.1234",
"+1 323 555 1234"); numbers without a country code are read as the city's own
(`PHONE_REGION`).
"""

from datetime import timedelta

import phonenumbers
from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def parse_phone(text: str, region: str = "") -> str:
    """The E.164 form of a number typed in any common spelling; ValidationError if it is none."""
    try:
        number = phonenumbers.parse(text, region or settings.PHONE_REGION)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ValidationError(
            _("“%(text)s” is not a phone number we can call: give the area code and number.")
            % {"text": text},
            code="invalid_phone",
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_or_blank(text: str, region: str = "") -> str:
    """The E.164 form when `text` is a valid number, else an empty string."""
    try:
        return parse_phone(text, region)
    except ValidationError:
        return ""


def display_phone(e164: str) -> str:
    """A stored number as the city writes it: national form at home, international abroad."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    home = phonenumbers.region_code_for_number(number) == settings.PHONE_REGION
    form = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if home
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, form)


# A link texted to a caller carries their number signed, never in clear: a link forwarded
# or logged by a proxy shows no number, and nobody can make one that fills in another's.
_PREFILL_SALT = "fixboard.phones.prefill"


def phone_token(e164: str) -> str:
    """A signed, timestamped token of this number, for a link that fills it in."""
    return signing.dumps(e164, salt=_PREFILL_SALT, compress=True)


def phone_of_token(token: str) -> str:
    """The number in a token of `phone_token`, or "" when it is forged or older than
    PREFILL_LINK_DAYS."""
    try:
        return signing.loads(
            token, salt=_PREFILL_SALT, max_age=timedelta(days=settings.PREFILL_LINK_DAYS)
        )
    except signing.BadSignature:
        return ""
