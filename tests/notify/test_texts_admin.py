"""The text outbox and opt-outs in the admin: city admins only, each city's own texts."""

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from fixboard.accounts.models import User
from fixboard.notify.models import TextMessage, TextOptOut
from fixboard.notify.texts import queue_text
from tests.factories import UserFactory, make_city

pytestmark = pytest.mark.django_db


def signed_in(role: str, jurisdiction) -> Client:
    user = UserFactory(role=role, jurisdictions=[jurisdiction], is_staff=True, password=None)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="notify"))
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def cities(sms_outbox):
    a, b = make_city("los-angeles"), make_city("san-francisco")
    for city, phone in ((a, "323-555-1234"), (b, "415-555-9876")):
        queue_text(
            phone=phone,
            body="Report online: https://fix.example.gov/",
            kind=TextMessage.Kind.REPORT_ONLINE,
            jurisdiction=city.jurisdiction,
        )
    return a, b


def test_a_city_admin_sees_their_city_s_texts_only(cities):
    a, _b = cities
    page = signed_in(User.Role.ADMIN, a.jurisdiction).get("/admin/notify/textmessage/")
    assert page.status_code == 200
    assert "+13235551234" in page.content.decode()
    assert "+14155559876" not in page.content.decode()


def test_agents_see_no_phone_numbers(cities):
    agent = signed_in(User.Role.AGENT, cities[0].jurisdiction)
    assert agent.get("/admin/notify/textmessage/").status_code == 403
    assert agent.get("/admin/notify/textoptout/").status_code == 403


def test_a_city_admin_adds_an_opt_out_a_caller_asked_for_and_cannot_remove_it(cities):
    admin = signed_in(User.Role.ADMIN, cities[0].jurisdiction)
    response = admin.post("/admin/notify/textoptout/add/", {"phone": "(323) 555-4321"})
    assert response.status_code == 302
    opt_out = TextOptOut.objects.get()
    assert (opt_out.phone, opt_out.source) == ("+13235554321", TextOptOut.Source.STAFF)
    assert opt_out.jurisdiction == cities[0].jurisdiction  # the admin's city, not every city
    assert admin.get(f"/admin/notify/textoptout/{opt_out.pk}/delete/").status_code == 403

    wrong = admin.post("/admin/notify/textoptout/add/", {"phone": "555"})
    assert "“555” is not a phone number we can call" in wrong.content.decode()
    assert TextOptOut.objects.count() == 1


def test_an_opt_out_cancels_the_texts_waiting_for_that_number(cities):
    admin = signed_in(User.Role.ADMIN, cities[0].jurisdiction)
    admin.post("/admin/notify/textoptout/add/", {"phone": "+1 323 555 1234"})
    text = TextMessage.objects.get(phone="+13235551234")
    assert text.state == TextMessage.State.CANCELLED


def test_a_city_admin_stops_their_city_s_texts_only_a_superuser_every_city_s(cities, sms_outbox):
    a, b = cities
    admin = signed_in(User.Role.ADMIN, a.jurisdiction)
    form = admin.get("/admin/notify/textoptout/add/").content.decode()
    assert "Every city" not in form
    assert f'<option value="{b.jurisdiction.pk}"' not in form  # another city's
    admin.post("/admin/notify/textoptout/add/", {"phone": "323 555 7777"})
    other = admin.post(
        "/admin/notify/textoptout/add/",
        {"phone": "323 555 7777", "jurisdiction": b.jurisdiction.pk},
    )
    assert other.status_code == 200  # not one of their cities: refused
    assert TextOptOut.objects.filter(phone="+13235557777").count() == 1
    again = admin.post("/admin/notify/textoptout/add/", {"phone": "323 555 7777"})
    assert "This number already gets no texts from this city." in again.content.decode()

    root = UserFactory(is_superuser=True, is_staff=True)
    superuser = Client()
    superuser.force_login(root)
    assert "Every city" in superuser.get("/admin/notify/textoptout/add/").content.decode()
    superuser.post("/admin/notify/textoptout/add/", {"phone": "415 555 9876"})
    everywhere = TextOptOut.objects.get(phone="+14155559876")
    assert everywhere.jurisdiction is None
    assert TextMessage.objects.get(phone="+14155559876").state == TextMessage.State.CANCELLED
    # The city admin sees their city's opt-outs and those of every city, not another city's.
    listed = admin.get("/admin/notify/textoptout/").content.decode()
    assert "+13235557777" in listed and "+14155559876" in listed
