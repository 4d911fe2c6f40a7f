"""Staff sign-in in a real browser (Debian's Chromium): password, two-step code, the
security page; axe-core and the keyboard on each page."""

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from tests.accounts.totp import current_code, give_two_factor
from tests.browser import DESKTOP, PHONE, axe_violations, screenshot
from tests.factories import UserFactory, make_city, submit_pothole
from tests.web import conftest as web_conftest

# The resident pages' browser fixture (`new_page`): fresh contexts, no network, JS errors fail.
new_page = web_conftest.new_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct horse battery"


def staff_member(city, username):
    return UserFactory(
        username=username,
        first_name="Pat",
        last_name="Lee",
        role="staff",
        jurisdictions=[city.jurisdiction],
        departments=[city.streets],
    )


def type_in(page, label, text):
    """Fill a field by keyboard only: Tab until it has the focus, then type."""
    field = page.get_by_label(label, exact=True)
    for _ in range(40):
        if field.evaluate("el => el === document.activeElement"):
            break
        page.keyboard.press("Tab")
    else:
        raise AssertionError(f"{label!r} is not reachable with Tab")
    page.keyboard.type(text)


def test_staff_sign_in_with_the_keyboard_and_land_on_the_queue(new_page):
    city = make_city()
    staff_member(city, "staff")
    request = submit_pothole(city)
    page = new_page(viewport=PHONE)

    page.goto("/login/")
    expect(page.get_by_role("heading", name="Staff sign-in")).to_be_visible()
    assert axe_violations(page) == []
    screenshot(page, "work-signin")
    # A wrong password: the error is announced, the page still passes axe.
    type_in(page, "Username", "staff")
    type_in(page, "Password", "not the password")
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("do not match an account")
    assert axe_violations(page) == []
    screenshot(page, "work-signin-error")

    page.get_by_label("Password", exact=True).fill("")
    type_in(page, "Password", PASSWORD)
    page.keyboard.press("Enter")

    page.wait_for_url("**/queue/")
    expect(page.get_by_role("heading", name="Work queue")).to_be_visible()
    expect(page.get_by_text(request.public_id)).to_be_visible()

    # Sign out from the menu.
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login/")
    expect(page.get_by_role("status")).to_contain_text("You are signed out.")


def test_set_up_two_factor_then_sign_in_with_a_code(new_page):
    city = make_city()
    user = staff_member(city, "pat")
    page = new_page(viewport=DESKTOP)

    page.goto("/account/security/")
    page.wait_for_url("**/login/?next=%2Faccount%2Fsecurity%2F")
    page.get_by_label("Username").fill("pat")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/account/security/")
    expect(page.get_by_role("heading", name="Set up two-step sign-in")).to_be_visible()
    qr_code = page.get_by_role("img", name="QR code to scan with your authenticator app")
    expect(qr_code).to_be_visible()
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    secret = page.locator(".totp-secret").inner_text()
    assert len(secret.replace(" ", "")) == 32
    assert axe_violations(page) == []
    screenshot(page, "work-account-security-setup")

    type_in(page, "Code the app shows", current_code(device))
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Two-step sign-in is on")
    expect(page.get_by_role("heading", name="Two-step sign-in is on")).to_be_visible()
    assert axe_violations(page) == []
    screenshot(page, "work-account-security-on")

    # A new visit: password, then the code from the app.
    other = new_page(viewport=PHONE)
    other.goto("/login/")
    type_in(other, "Username", "pat")
    type_in(other, "Password", PASSWORD)
    other.keyboard.press("Enter")
    other.wait_for_url("**/login/code/")
    expect(other.get_by_role("heading", name="Enter your code")).to_be_visible()
    assert axe_violations(other) == []
    screenshot(other, "work-signin-code")
    # The code field has the focus already: type the code and press Enter.
    other.keyboard.type(current_code(device))
    other.keyboard.press("Enter")
    other.wait_for_url("**/queue/")
    expect(other.get_by_role("heading", name="Work queue")).to_be_visible()


def test_sign_in_with_a_code_for_an_account_set_up_beforehand(new_page):
    city = make_city()
    device = give_two_factor(staff_member(city, "sam"))
    page = new_page(viewport=PHONE)

    page.goto("/queue/")
    page.get_by_label("Username").fill("sam")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/login/code/")
    page.get_by_label("Code from your authenticator app").fill("000 000")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("not right")
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)
    page.get_by_label("Code from your authenticator app").fill(current_code(device))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/queue/")


def test_too_many_wrong_passwords_show_a_page_that_says_for_how_long(new_page, settings):
    city = make_city()
    staff_member(city, "lee")
    page = new_page(viewport=PHONE)

    page.goto("/login/")
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        page.get_by_label("Username").fill("lee")
        page.get_by_label("Password").fill(f"guess {attempt}")
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()

    expect(page.get_by_role("heading", name="Sign-in paused")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("paused for 15 minutes")
    assert axe_violations(page) == []
    screenshot(page, "work-signin-locked")
