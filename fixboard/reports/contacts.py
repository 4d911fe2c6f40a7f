"""Finding a caller's contact by the phone number or e-mail address they give (staff only).

Phones are stored in E.164 ("+13235551234") since the call console; contacts made before
kept the digits as typed ("3235551234", "13235551234", "+13235551234"). Rather than
rewrite every old contact, a look-up asks for each form the same number may have been
stored in: a handful of values on the phone column's index, as fast as one.
"""

import phonenumbers
from django.db.models import Count, Q

from fixboard.core.phones import parse_phone

from .models import Contact

MAX_FOUND = 9  # as many as the console's digit keys pick from


def stored_forms(e164: str) -> list[str]:
    """Every form a contact's phone may be stored in for this E.164 number."""
    number = phonenumbers.parse(e164, None)
    national = phonenumbers.national_significant_number(number)
    return list(dict.fromkeys([e164, e164.lstrip("+"), national, "0" + national]))


def find_contacts(text: str) -> list[Contact]:
    """The contacts with this e-mail address, or else this phone number in any spelling
    (ValidationError, with a message for the caller, when it is neither); those with the
    most requests first."""
    text = text.strip()
    is_email = "@" in text
    match = Q(email=text.lower()) if is_email else Q(phone__in=stored_forms(parse_phone(text)))
    return list(
        Contact.objects.filter(match)
        .annotate(request_total=Count("requests"))
        .order_by("-request_total", "id")[:MAX_FOUND]
    )
