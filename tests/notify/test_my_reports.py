import pytest

from fixboard.accounts.models import User
from fixboard.notify.models import SignInToken
from fixboard.reports.actions import ContactDetails, follow, transition, upsert_contact
from tests.factories import INSIDE_EAST, UserFactory, submit_pothole

pytestmark = pytest.mark.django_db

RESIDENT = "walker@example.org"


def sign_in(client, mailbox, email=RESIDENT):
    response = client.post("/signin/", {"email": email})
    assert "Check your e-mail" in response.content.decode()
    mail = mailbox.to(email)[-1]
    assert mail.subject == "Your sign-in link"
    return mail.link_to("/signin/")


@pytest.fixture
def seventeen_reports(city):
    """The story: 17 reports, 15 fixed, one still open, one not actionable."""
    staff = UserFactory(role="staff", jurisdictions=[city.jurisdiction], departments=[city.streets])
    requests = [submit_pothole(city, email=RESIDENT) for _ in range(17)]
    for request in requests[:15]:
        transition(request=request, to_status="closed", close_reason="fixed", actor=staff)
    transition(request=requests[16], to_status="closed", close_reason="not_actionable", actor=staff)
    other = submit_pothole(city, email="someone.else@example.org", at=INSIDE_EAST)
    follow(request=other, actor=upsert_contact(ContactDetails(email=RESIDENT)))
    return requests, other


def test_magic_link_signs_in_and_shows_real_counts(client, mailbox, seventeen_reports):
    requests, other = seventeen_reports
    link = sign_in(client, mailbox)

    assert client.get("/my/").status_code == 302, "not signed in before using the link"
    landing = client.get(link)
    assert landing.status_code == 200
    assert "Press the button" in landing.content.decode()
    response = client.post(link, follow=True)

    page = response.content.decode()
    assert response.redirect_chain[-1][0] == "/my/"
    assert "15 of 17 fixed" in page
    assert requests[16].public_id in page
    assert other.public_id in page  # followed
    assert "0 of 1 fixed" in page
    user = User.objects.get(email=RESIDENT)
    assert user.role == User.Role.RESIDENT
    assert not user.has_usable_password()


def test_my_reports_counts_take_few_queries(
    client, mailbox, seventeen_reports, django_assert_max_num_queries
):
    client.post(sign_in(client, mailbox))
    with django_assert_max_num_queries(10):
        assert client.get("/my/").status_code == 200


def test_a_sign_in_link_works_once(client, mailbox, city):
    link = sign_in(client, mailbox)
    client.post(link)
    client.post("/signout/")
    again = client.post(link)
    assert again.status_code == 410
    assert "Get a new sign-in link" in again.content.decode()
    assert client.get("/my/").status_code == 302


def test_sign_in_e_mails_are_rate_limited_per_address(client, mailbox, city):
    for _ in range(3):
        client.post("/signin/", {"email": RESIDENT})
    response = client.post("/signin/", {"email": RESIDENT.upper()})
    page = response.content.decode()
    assert "several sign-in links to this address recently" in page
    assert len(mailbox.to(RESIDENT)) == 3
    assert SignInToken.objects.count() == 3
    client.post("/signin/", {"email": "other@example.org"})
    assert len(mailbox.to("other@example.org")) == 1


def test_bad_address_gets_an_error_at_the_field(client, mailbox, city):
    response = client.post("/signin/", {"email": "not an address"})
    page = response.content.decode()
    assert "Enter a valid email address." in page
    assert 'aria-invalid="true"' in page
    assert mailbox.received == []


def test_staff_accounts_cannot_sign_in_by_link(client, mailbox, city):
    UserFactory(role="staff", email="clerk@city.example.gov")
    link = sign_in(client, mailbox, email="clerk@city.example.gov")
    response = client.post(link)
    assert "staff account" in response.content.decode()
    assert client.get("/my/").status_code == 302


def test_pages_speak_spanish(client, city):
    page = client.get("/signin/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Inicie sesión para ver sus avisos" in page
    assert "Enviarme un enlace de acceso" in page
    submit_pothole(city, address="1 Calle Mayor")
    frame = client.get(f"/widget/{city.jurisdiction.slug}/frame/", HTTP_ACCEPT_LANGUAGE="es")
    assert "Informar de un problema" in frame.content.decode()


def test_a_long_address_and_a_disabled_account(client, mailbox, city):
    long_address = "a" * 140 + "@example-neighbourhood.org"
    client.post(sign_in(client, mailbox, email=long_address))
    assert client.get("/my/").status_code == 200
    assert User.objects.get(email=long_address).username.startswith("resident-")

    UserFactory(email="gone@example.org", is_active=False)
    response = client.post(sign_in(client, mailbox, email="gone@example.org"))
    assert "This account is disabled." in response.content.decode()


def test_e_mails_speak_the_language_of_the_page_that_asked(client, mailbox, city, settings):
    client.post("/signin/", {"email": RESIDENT}, HTTP_ACCEPT_LANGUAGE="es")
    [mail] = mailbox.to(RESIDENT)
    assert mail.subject == "Su enlace de acceso"
    assert "Use este enlace para iniciar sesión" in mail.body

    settings.LANGUAGE_CODE = "es"  # a city whose site speaks Spanish by default
    submit = submit_pothole(city, email="vecina@example.org", awaiting_confirmation=True)
    from fixboard.notify.tasks import confirm_submission

    confirm_submission.call(submit.events.get().pk)
    [confirmation] = mailbox.to("vecina@example.org")
    assert confirmation.subject == f"Confirme su aviso {submit.public_id}"
