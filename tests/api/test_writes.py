import json
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from fixboard.accounts.models import ApiClient
from fixboard.reports.models import Contact, Event, ServiceRequest
from tests.api.conftest import csrf_token, signed_in
from tests.factories import make_city, submit_pothole

pytestmark = pytest.mark.django_db

POTHOLE = {
    "service_code": "pothole",
    "lat": 34.05,
    "long": -118.25,
    "description": "Deep hole by the bus stop",
    "attributes": {"depth": "deep"},
    "name": "Ana Reyes",
    "email": "ana@example.org",
}


def post_json(client, url, data, **extra):
    return client.post(url, json.dumps(data), content_type="application/json", **extra)


def test_an_app_submits_with_its_api_key(app, city):
    response = post_json(app, "/api/v1/requests", POTHOLE)

    assert response.status_code == 201, response.content
    body = response.json()
    request = ServiceRequest.objects.get(public_id=body["id"])
    assert body["awaiting_confirmation"] is False
    assert body["url"] == f"http://testserver/requests/{request.public_id}/"
    assert request.jurisdiction == city.jurisdiction
    assert request.department == city.streets
    assert request.attributes == {"depth": "deep"}
    assert request.reporter.email == "ana@example.org"
    assert app.get(f"/api/v1/requests/{body['id']}").status_code == 200


def test_the_same_key_works_as_a_bearer_token(api_key, city):
    client = Client(headers={"Authorization": f"Bearer {api_key}"})
    assert post_json(client, "/api/v1/requests", POTHOLE).status_code == 201


def test_unknown_or_revoked_keys_are_refused(app, city):
    wrong = Client(headers={"X-Api-Key": "not-a-key"})
    response = post_json(wrong, "/api/v1/requests", POTHOLE)
    assert response.status_code == 401
    assert "API key" in response.json()["detail"]

    ApiClient.objects.update(active=False)
    assert post_json(app, "/api/v1/requests", POTHOLE).status_code == 401
    assert not ServiceRequest.objects.exists()


def test_a_key_only_posts_to_its_jurisdictions(app, city):
    other = make_city()
    response = post_json(
        app, "/api/v1/requests", {**POTHOLE, "jurisdiction": other.jurisdiction.slug}
    )
    assert response.status_code == 403
    assert not ServiceRequest.objects.exists()


def test_domain_errors_come_back_field_by_field(app, city):
    response = post_json(
        app,
        "/api/v1/requests",
        {**POTHOLE, "attributes": {"depth": "bottomless", "colour": "red"}, "email": "ana@"},
    )
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert set(errors) == {"email"}  # the e-mail is checked before the domain is called

    response = post_json(
        app, "/api/v1/requests", {**POTHOLE, "attributes": {"depth": "bottomless", "colour": "x"}}
    )
    errors = response.json()["errors"]
    assert set(errors) == {"attribute[depth]", "attribute[colour]"}
    assert "bottomless" in errors["attribute[depth]"][0]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"lat": 91}, "lat"),
        ({"long": "east"}, "long"),
        ({"service_code": ""}, "service_code"),
        ({"service_code": "unicorns"}, "service_code"),
        ({"description": "x" * 5000}, "description"),
        ({"description": "\ud800"}, "description"),
        ({"lat": 40.71, "long": -74.0}, "location"),
        ({"jurisdiction": "atlantis"}, "jurisdiction"),
    ],
)
def test_bad_submissions_get_a_field_error(app, city, change, field):
    response = post_json(app, "/api/v1/requests", {**POTHOLE, **change})
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"], response.json()


def test_a_broken_json_body_is_a_400(app, city):
    response = app.post("/api/v1/requests", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["status"] == 400


def test_multipart_photos_are_stored_without_their_exif(app, city, shared_data):
    with open(shared_data / "photos" / "DSCN0010.jpg", "rb") as photo:
        response = app.post(
            "/api/v1/requests/multipart",
            {"payload": json.dumps(POTHOLE), "media": [photo]},
        )
    assert response.status_code == 201, response.content
    detail = app.get(f"/api/v1/requests/{response.json()['id']}").json()
    assert len(detail["photos"]) == 1
    assert detail["photo"] == detail["photos"][0]["url"]
    stored = ServiceRequest.objects.get(public_id=detail["id"]).photos.get()
    assert (stored.taken_lat, stored.taken_long) == pytest.approx((43.467448, 11.885127), abs=1e-6)
    with Image.open(stored.image.path) as image:
        assert not image.getexif()


def test_a_file_that_is_not_a_photo_is_a_field_error(app, city, tmp_path):
    fake = tmp_path / "holiday.jpg"
    fake.write_bytes(b"MZ this is not a picture")
    with open(fake, "rb") as handle:
        response = app.post(
            "/api/v1/requests/multipart", {"payload": json.dumps(POTHOLE), "media": [handle]}
        )
    assert response.status_code == 422
    assert "media" in response.json()["errors"]


def test_a_browser_needs_the_csrf_token(browser, city):
    refused = post_json(browser, "/api/v1/requests", POTHOLE)
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["title"]

    token = csrf_token(browser)
    accepted = post_json(browser, "/api/v1/requests", POTHOLE, headers={"X-CSRFToken": token})
    assert accepted.status_code == 201, accepted.content


def test_an_anonymous_report_waits_for_e_mail_confirmation_when_the_service_asks(browser, city):
    city.pothole.requires_confirmation = True
    city.pothole.save(update_fields=["requires_confirmation"])
    token = csrf_token(browser)

    without_email = post_json(
        browser, "/api/v1/requests", {**POTHOLE, "email": ""}, headers={"X-CSRFToken": token}
    )
    assert without_email.status_code == 422
    assert "email" in without_email.json()["errors"]

    response = post_json(browser, "/api/v1/requests", POTHOLE, headers={"X-CSRFToken": token})
    assert response.status_code == 201
    assert response.json()["awaiting_confirmation"] is True
    assert browser.get(f"/api/v1/requests/{response.json()['id']}").status_code == 404


def test_a_signed_in_resident_reports_as_themself(browser, city):
    user = signed_in(browser, first_name="Ana", last_name="Reyes", email="ana@example.org")
    token = csrf_token(browser)

    response = post_json(
        browser,
        "/api/v1/requests",
        {**POTHOLE, "name": "Someone Else", "email": "else@example.org"},
        headers={"X-CSRFToken": token},
    )

    assert response.status_code == 201
    request = ServiceRequest.objects.get(public_id=response.json()["id"])
    assert (request.reporter.name, request.reporter.email) == ("Ana Reyes", "ana@example.org")
    assert request.events.get().actor_user == user


def test_support_counts_once_per_browser_session(browser, city):
    request = submit_pothole(city)
    token = csrf_token(browser)
    url = f"/api/v1/requests/{request.public_id}/support"

    first = post_json(browser, url, {}, headers={"X-CSRFToken": token})
    again = browser.post(url, content_type="application/json", headers={"X-CSRFToken": token})

    assert first.status_code == 200, first.content
    assert first.json() == {"changed": True, "support_count": 1, "follow_count": 0}
    assert again.json() == {"changed": False, "support_count": 1, "follow_count": 0}


def test_an_app_supports_and_follows_for_a_resident_by_e_mail(app, city):
    request = submit_pothole(city)
    support = post_json(
        app, f"/api/v1/requests/{request.public_id}/support", {"email": "bo@example.org"}
    )
    assert support.json()["support_count"] == 1
    no_email = post_json(app, f"/api/v1/requests/{request.public_id}/follow", {})
    assert no_email.status_code == 422
    follow = post_json(
        app, f"/api/v1/requests/{request.public_id}/follow", {"email": "bo@example.org"}
    )
    assert follow.json() == {"changed": True, "support_count": 1, "follow_count": 1}
    assert Contact.objects.filter(email="bo@example.org").count() == 1


def test_a_signed_in_resident_follows_and_unfollows(browser, city):
    request = submit_pothole(city)
    signed_in(browser)
    token = csrf_token(browser)
    url = f"/api/v1/requests/{request.public_id}/follow"

    assert post_json(browser, url, {}, headers={"X-CSRFToken": token}).json()["follow_count"] == 1
    assert browser.delete(url, headers={"X-CSRFToken": token}).json()["follow_count"] == 0


def test_support_of_a_closed_request_is_refused_with_a_reason(app, city):
    from fixboard.reports.actions import transition

    request = submit_pothole(city)
    transition(request=request, to_status="closed", close_reason="fixed", actor="city")
    response = post_json(
        app, f"/api/v1/requests/{request.public_id}/support", {"email": "bo@example.org"}
    )
    assert response.status_code == 422
    assert response.json()["errors"] == {"request": ["This request is closed."]}


def test_a_comment_is_plain_public_text_by_a_resident(browser, city):
    request = submit_pothole(city)
    token = csrf_token(browser)
    text = "Still there <script>alert(1)</script>\x07 — please hurry"

    response = post_json(
        browser,
        f"/api/v1/requests/{request.public_id}/comments",
        {"text": text, "email": "cy@example.org", "name": "Cy"},
        headers={"X-CSRFToken": token},
    )

    assert response.status_code == 201, response.content
    assert response.json()["actor"] == "resident"
    assert response.json()["text"] == "Still there <script>alert(1)</script> — please hurry"
    event = Event.objects.get(kind=Event.Kind.PUBLIC_UPDATE)
    assert event.actor_contact.email == "cy@example.org"
    timeline = browser.get(f"/api/v1/requests/{request.public_id}").json()["timeline"]
    assert timeline[-1]["text"] == response.json()["text"]
    assert "cy@example.org" not in json.dumps(timeline)


def test_comments_are_length_limited_and_need_an_e_mail(browser, city):
    request = submit_pothole(city)
    token = csrf_token(browser)
    url = f"/api/v1/requests/{request.public_id}/comments"
    long = post_json(
        browser,
        url,
        {"text": "x" * 2001, "email": "cy@example.org"},
        headers={"X-CSRFToken": token},
    )
    assert "text" in long.json()["errors"]
    anonymous = post_json(browser, url, {"text": "hello"}, headers={"X-CSRFToken": token})
    assert "email" in anonymous.json()["errors"]
    unknown = post_json(
        browser,
        "/api/v1/requests/ZZZZ-ZZZZ/comments",
        {"text": "hi", "email": "cy@example.org"},
        headers={"X-CSRFToken": token},
    )
    assert unknown.status_code == 404


def test_an_api_client_is_held_to_its_rate_limit(app, city):
    ApiClient.objects.update(rate_limit_per_minute=2)
    request = submit_pothole(city)
    url = f"/api/v1/requests/{request.public_id}/follow"
    codes = [post_json(app, url, {"email": f"p{i}@example.org"}).status_code for i in range(3)]
    assert codes == [200, 200, 429]


def test_browsers_are_throttled_on_writes(browser, city):
    request = submit_pothole(city)
    token = csrf_token(browser)
    url = f"/api/v1/requests/{request.public_id}/support"
    codes = {
        post_json(browser, url, {}, headers={"X-CSRFToken": token}).status_code for _ in range(31)
    }
    assert codes == {200, 429}


def test_a_form_sent_to_a_json_operation_is_a_400(browser, city):
    request = submit_pothole(city)
    token = csrf_token(browser)
    response = browser.post(
        f"/api/v1/requests/{request.public_id}/support", {"x": "1"}, headers={"X-CSRFToken": token}
    )
    assert response.status_code == 400
    assert "JSON" in response.json()["title"]


def test_only_a_signed_in_resident_can_unfollow(browser, city):
    request = submit_pothole(city)
    token = csrf_token(browser)
    response = browser.delete(
        f"/api/v1/requests/{request.public_id}/follow", headers={"X-CSRFToken": token}
    )
    assert response.status_code == 403
    assert response.json()["title"]


def test_more_than_five_photos_is_a_field_error(app, city, shared_data):
    handles = [open(shared_data / "photos" / "DSCN0021.jpg", "rb") for _ in range(6)]  # noqa: SIM115
    try:
        response = app.post(
            "/api/v1/requests/multipart", {"payload": json.dumps(POTHOLE), "media": handles}
        )
    finally:
        for handle in handles:
            handle.close()
    assert response.status_code == 422
    assert "media" in response.json()["errors"]
    assert not ServiceRequest.objects.exists()


def test_a_retried_report_with_the_same_idempotency_key_is_made_once(app, city):
    headers = {"Idempotency-Key": "3f1c2a9e-retry"}
    first = post_json(app, "/api/v1/requests", POTHOLE, headers=headers)
    again = post_json(app, "/api/v1/requests", POTHOLE, headers=headers)
    other = post_json(app, "/api/v1/requests", POTHOLE, headers={"Idempotency-Key": "another"})

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert other.json()["id"] != first.json()["id"]
    assert ServiceRequest.objects.count() == 2


def test_the_same_key_with_another_report_is_refused_not_replayed(app, city):
    headers = {"Idempotency-Key": "reused-by-mistake"}
    first = post_json(app, "/api/v1/requests", POTHOLE, headers=headers)
    other = {**POTHOLE, "description": "A different hole"}
    refused = post_json(app, "/api/v1/requests", other, headers=headers)

    assert first.status_code == 201
    assert refused.status_code == 422
    assert "already used for a different request" in refused.json()["errors"]["idempotency_key"][0]
    assert ServiceRequest.objects.count() == 1


def test_a_retry_with_another_photo_is_another_report(app, city):
    def send(colour):
        png = BytesIO()
        Image.new("RGB", (8, 8), colour).save(png, "PNG")
        photo = SimpleUploadedFile("hole.png", png.getvalue(), content_type="image/png")
        form = {"payload": json.dumps(POTHOLE), "media": [photo]}
        return app.post("/api/v1/requests/multipart", form, headers={"Idempotency-Key": "p-1"})

    first, again, other = send("red"), send("red"), send("blue")

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert other.status_code == 422
    assert "idempotency_key" in other.json()["errors"]
    assert ServiceRequest.objects.count() == 1


def test_keys_are_kept_per_caller(app, app_for, city):
    headers = {"Idempotency-Key": "same-key-two-apps"}
    first = post_json(app, "/api/v1/requests", POTHOLE, headers=headers)
    second = post_json(app_for(city.jurisdiction), "/api/v1/requests", POTHOLE, headers=headers)

    assert first.status_code == second.status_code == 201
    assert first.json()["id"] != second.json()["id"]


def test_a_signed_in_residents_key_is_theirs_on_any_browser(city):
    user = signed_in(Client(enforce_csrf_checks=True))
    answers = []
    for _browser in range(2):  # a retry from a new session (the first answer never came)
        browser = Client(enforce_csrf_checks=True)
        browser.force_login(user)
        headers = {"X-CSRFToken": csrf_token(browser), "Idempotency-Key": "phone-1"}
        answers.append(post_json(browser, "/api/v1/requests", POTHOLE, headers=headers))

    assert [a.status_code for a in answers] == [201, 201]
    assert answers[0].json() == answers[1].json()
    assert ServiceRequest.objects.count() == 1


def test_a_refused_report_can_be_retried_with_the_same_key(app, city):
    headers = {"Idempotency-Key": "fix-and-retry"}
    refused = post_json(app, "/api/v1/requests", {**POTHOLE, "attributes": {}}, headers=headers)
    assert refused.status_code == 422
    accepted = post_json(app, "/api/v1/requests", POTHOLE, headers=headers)
    assert accepted.status_code == 201


def _many_files(n):
    return [SimpleUploadedFile(f"photo-{i}.jpg", b"\xff\xd8", "image/jpeg") for i in range(n)]


def test_a_body_over_djangos_limits_gets_the_api_problem_not_an_html_page(app, browser, city):
    payload = json.dumps({**POTHOLE, "email": ""})
    token = csrf_token(browser)
    as_browser = {"headers": {"X-CSRFToken": token}}
    cases = [
        # The browser's CSRF check reads the body before the operation does.
        (app, {"payload": payload, "media": _many_files(101)}, {}, 400, "more than 100 files"),
        (browser, {"payload": payload, "media": _many_files(101)}, as_browser, 400, "100 files"),
        (app, {f"field{i}": "1" for i in range(1001)}, {}, 400, "more than 1000 fields"),
        (app, {"payload": payload, "notes": "x" * 2_700_000}, {}, 413, "over 2621440 bytes"),
    ]
    for client, data, extra, status, message in cases:
        response = client.post("/api/v1/requests/multipart", data, **extra)
        assert response.status_code == status, response.content[:200]
        assert response["Content-Type"].startswith("application/json")
        body = response.json()
        assert body["status"] == status and message in body["title"]
    big_json = post_json(app, "/api/v1/requests", {**POTHOLE, "description": "x" * 2_700_000})
    assert big_json.status_code == 413 and "over 2621440 bytes" in big_json.json()["title"]
    assert not ServiceRequest.objects.exists()


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("support", {"email": "ana@example.org"}),
        ("follow", {"email": "ana@example.org"}),
        ("comments", {"text": "Still there", "email": "ana@example.org"}),
    ],
)
def test_a_key_of_another_city_cannot_act_on_a_request(app_for, city, path, data):
    request = submit_pothole(city)
    other_app = app_for(make_city().jurisdiction)

    response = post_json(other_app, f"/api/v1/requests/{request.public_id}/{path}", data)

    assert response.status_code == 403
    assert "may not act in Testville" in response.json()["detail"]
    request.refresh_from_db()
    assert (request.support_count, request.follow_count) == (0, 0)
    assert not request.events.filter(kind=Event.Kind.PUBLIC_UPDATE).exists()
