import pytest
from twilio.request_validator import RequestValidator

from fixboard.catalog.actions import save_service_type
from fixboard.places.addresses import record_addresses
from tests.factories import INSIDE_EAST, INSIDE_WEST, ServiceTypeFactory, make_city

TOKEN = "channels-test-token"
SITE = "https://fix.example.gov"
RESIDENT = "+13235551234"
CITY_NUMBER = "+13235550100"


@pytest.fixture(autouse=True)
def _provider_settings(settings, sms_outbox):
    settings.SMS_AUTH_TOKEN = TOKEN
    settings.SITE_URL = SITE
    settings.MAP_SHORT_LINK_HOSTS = []  # never the real providers: tests/channels/shortlinks.py


@pytest.fixture
def city(db):
    """The test city with two known addresses, a graffiti type with no questions, and
    Spanish synonyms in its service types' keywords (as a city would list them)."""
    city = make_city()
    record_addresses(
        jurisdiction=city.jurisdiction,
        addresses=[
            ("1900 E 4th St", "90033", *INSIDE_WEST),
            ("200 Main St", "90012", *INSIDE_EAST),
        ],
    )
    save_service_type(
        actor="test", service_type=city.pothole, data={"keywords": "hole, road, bache, hoyo"}
    )
    city.graffiti = ServiceTypeFactory(
        jurisdiction=city.jurisdiction,
        code="graffiti",
        name="Graffiti",
        keywords="tag, paint, pintura, grafiti",
        default_department=city.parks,
    )
    return city


def signed_post(client, path: str, fields: dict, *, token: str = TOKEN, signed: bool = True):
    """Post `fields` to `path` as the provider does: form-encoded, X-Twilio-Signature over
    the public URL and the fields."""
    headers = {}
    if signed:
        headers["X-Twilio-Signature"] = RequestValidator(token).compute_signature(
            f"{SITE}{path}", fields
        )
    return client.post(path, fields, headers=headers)


def text_in(client, body: str, *, sender: str = RESIDENT, **kwargs):
    fields = {
        "MessageSid": "SM0123456789abcdef0123456789abcdef",
        "AccountSid": "AC0123456789abcdef0123456789abcdef",
        "From": sender,
        "To": CITY_NUMBER,
        "Body": body,
        "NumMedia": "0",
    }
    return signed_post(client, "/sms/inbound/", fields, **kwargs)


def reply_to(client, body: str, **kwargs) -> str:
    """The text Fixboard answers `body` with ("" for none)."""
    from xml.etree import ElementTree

    response = text_in(client, body, **kwargs)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/xml")
    messages = ElementTree.fromstring(response.content).findall("Message")
    return "\n".join(message.text or "" for message in messages)
