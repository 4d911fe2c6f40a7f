import pytest

from fixboard.reports.actions import ContactDetails, submit_request
from tests.factories import INSIDE_EAST, INSIDE_WEST, submit_pothole

pytestmark = pytest.mark.django_db


def frame(client, city, **params):
    return client.get(f"/widget/{city.jurisdiction.slug}/frame/", params)


def test_frame_shows_the_latest_requests_of_an_area_and_can_be_framed(client, city):
    west = [submit_pothole(city, at=INSIDE_WEST, address=f"{n} Sunset Blvd") for n in range(3)]
    east = submit_pothole(city, at=INSIDE_EAST, address="9 Eastern Ave")

    response = frame(client, city, area=city.west.pk)

    assert response.status_code == 200
    assert "X-Frame-Options" not in response
    assert not response.cookies
    page = response.content.decode()
    for request in west:
        assert f"/requests/{request.public_id}/" in page
    assert east.public_id not in page and "Eastern Ave" not in page
    assert "West Ward" in page
    assert f"/{city.jurisdiction.slug}/report/" in page
    assert "Report a problem" in page


def test_frame_escapes_text_and_hides_contacts(client, city):
    submit_request(
        service_type=city.pothole,
        lat=INSIDE_WEST[0],
        long=INSIDE_WEST[1],
        attributes={"depth": "deep"},
        address='<img src=x onerror="alert(1)">',
        reporter=ContactDetails(name="Private Person", email="pp@example.org", phone="5551234"),
        actor=None,
    )
    page = frame(client, city).content.decode()
    assert "<img src=x" not in page
    assert "&lt;img src=x" in page
    for secret in ("Private Person", "pp@example.org", "5551234"):
        assert secret not in page


def test_frame_size_is_bounded(client, city, django_assert_max_num_queries):
    for _ in range(25):
        submit_pothole(city)
    with django_assert_max_num_queries(3):
        assert frame(client, city, area=city.west.pk).content.decode().count("<li>") == 8
    assert frame(client, city, size="1000").content.decode().count("<li>") == 20
    assert frame(client, city, area="nonsense").status_code == 200


def test_script_and_builder(client, city, settings):
    settings.SITE_URL = "https://fix.example.gov"
    script = client.get("/widget/embed.js")
    assert script["Content-Type"].startswith("text/javascript")
    assert "https://fix.example.gov/widget/" in script.content.decode()

    page = client.get(f"/widget/{city.jurisdiction.slug}/", {"area": city.west.pk})
    html = page.content.decode()
    assert "&lt;script src=&quot;https://fix.example.gov/widget/embed.js&quot;" in html or (
        '&lt;script src="https://fix.example.gov/widget/embed.js"' in html
    )
    assert f'data-area="{city.west.pk}"' in html
    assert f"/widget/{city.jurisdiction.slug}/frame/?area={city.west.pk}" in html


def test_deploy_check_names_a_local_site_url(settings):
    from django.core.checks import run_checks

    settings.SITE_URL = "http://localhost:8000"
    assert "fixboard.W101" in [m.id for m in run_checks(include_deployment_checks=True)]
    settings.SITE_URL = "https://fix.example.gov"
    assert "fixboard.W101" not in [m.id for m in run_checks(include_deployment_checks=True)]
