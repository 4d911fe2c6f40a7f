"""In a real browser: an admin subscribes an integrator and sees its secret once (the admin
screens are Django's own; their rules are tested through HTTP in test_admin)."""

import pytest
from playwright.sync_api import expect

from fixboard.webhooks.models import Subscription
from tests.browser import DESKTOP, screenshot
from tests.factories import UserFactory, make_city
from tests.web.conftest import new_page  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_admin_subscribes_an_integrator_and_copies_the_secret_once(new_page):  # noqa: F811
    city = make_city()
    UserFactory(username="admin.ada", is_staff=True, is_superuser=True)
    page = new_page(viewport=DESKTOP)
    page.goto("/admin/login/?next=/admin/webhooks/subscription/add/")
    page.get_by_label("Username").fill("admin.ada")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Jurisdiction").select_option(str(city.jurisdiction.pk))
    page.get_by_label("Name").fill("Open data portal")
    page.get_by_label("Target URL").fill("https://hooks.example.org/fixboard")
    page.get_by_label("request created").check()
    page.get_by_label("status changed").check()
    page.get_by_role("button", name="Save", exact=True).click()
    secret = Subscription.objects.get().secret
    expect(page.locator(".messagelist")).to_contain_text(secret)
    expect(page.locator(".messagelist")).to_contain_text("it will not be shown again")
    screenshot(page, "webhook-secret-shown-once-desktop")
    page.reload()
    expect(page.locator("body")).not_to_contain_text(secret)
    expect(page.locator("#result_list")).to_contain_text(f"…{secret[-4:]}")
