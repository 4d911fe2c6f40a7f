"""Limits on what a stranger can write: per client address and per target, at every door."""

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import Client

from fixboard.accounts.models import ApiClient
from fixboard.core.counters import CounterCache
from fixboard.reports.actions import add_update
from fixboard.reports.models import CommentFlag, Event, ServiceRequest
from fixboard.reports.selectors import comment_of
from tests.factories import INSIDE_WEST, submit_pothole

pytestmark = pytest.mark.django_db


@pytest.fixture
def rates(settings):
    """Sets small limits for one test: rates("report.email=2/h", ...)."""

    def set_rates(*items):
        settings.RATE_LIMITS = {}
        for item in items:
            name, rate = item.split("=")
            action, kind = name.split(".")
            settings.RATE_LIMITS.setdefault(action, {})[kind] = rate

    return set_rates


def report(client, city, email):
    return client.post(
        f"/{city.jurisdiction.slug}/report/",
        {
            "service": "pothole",
            "attribute[depth]": "deep",
            "description": "Hole by the school gate",
            "email": email,
            "lat": INSIDE_WEST[0],
            "long": INSIDE_WEST[1],
        },
    )


def test_the_report_form_stops_mail_to_one_address_and_from_one_client(client, city, rates):
    rates("report.email=2/h", "report.address=4/h")  # refused tries count too

    answers = [report(client, city, "victim@example.org").status_code for _ in range(3)]
    other = report(client, city, "someone@example.org")
    last = report(client, city, "third@example.org")

    assert answers == [302, 302, 429]
    assert other.status_code == 302
    assert last.status_code == 429
    assert "Too many tries in a short time" in last.content.decode()
    assert 'name="description"' in last.content.decode(), "the form comes back, filled in"
    assert ServiceRequest.objects.filter(reporter__email="victim@example.org").count() == 2


def test_comments_to_one_request_are_limited_with_the_form_shown_again(client, city, rates):
    rates("comment.request=2/h")
    request = submit_pothole(city)
    url = request.get_absolute_url() + "comment/"

    answers = [
        client.post(url, {"comment-text": f"Still there {i}", "comment-email": f"{i}@ex.org"})
        for i in range(3)
    ]

    assert [a.status_code for a in answers] == [302, 302, 429]
    assert "Too many tries in a short time" in answers[2].content.decode()
    assert int(answers[2]["Retry-After"]) > 0
    assert request.events.filter(kind=Event.Kind.PUBLIC_UPDATE).count() == 2


def test_me_too_counts_once_per_client_whatever_its_cookies(city):
    request = submit_pothole(city)
    url = request.get_absolute_url() + "support/"

    for _ in range(5):
        Client().post(url)  # a new browser, no cookie, each time
    other = Client(REMOTE_ADDR="192.0.2.7").post(url)

    request.refresh_from_db()
    assert request.support_count == 2
    assert other.status_code == 302


def test_too_many_me_toos_from_one_client_get_429(client, city, rates):
    rates("support.address=2/h")
    first, second = submit_pothole(city), submit_pothole(city)
    third = submit_pothole(city)

    answers = [client.post(r.get_absolute_url() + "support/") for r in (first, second, third)]

    assert [a.status_code for a in answers] == [302, 302, 429]
    assert "Too many tries in a short time" in answers[2].content.decode()


def test_a_comment_is_flagged_once_per_client_whatever_its_cookies(city):
    request = submit_pothole(city)
    event = add_update(request=request, text="Spam spam", actor=None, public=True)
    comment = comment_of(request, event.pk)
    url = f"{request.get_absolute_url()}comments/{comment.pk}/flag/"

    for _ in range(5):
        Client().post(url)

    assert CommentFlag.objects.filter(comment=comment).count() == 1


def test_sign_in_links_to_one_address_are_limited(client, rates):
    rates("signin.email=2/h")

    answers = [client.post("/signin/", {"email": "victim@example.org"}) for _ in range(3)]

    assert [a.status_code for a in answers] == [200, 200, 429]
    assert "Too many tries in a short time" in answers[2].content.decode()


def test_the_api_answers_429_with_retry_after_in_its_json(city, rates):
    rates("comment.email=1/h")
    request = submit_pothole(city)
    url = f"/api/v1/requests/{request.public_id}/comments"
    browser = Client()
    body = {"text": "Still there", "email": "me@example.org"}

    first = browser.post(url, body, content_type="application/json")
    second = browser.post(url, body, content_type="application/json")

    assert first.status_code == 201
    assert second.status_code == 429
    assert int(second["Retry-After"]) > 0
    assert "Too many tries" in second.json()["detail"]


def test_the_database_store_counts_atomically_and_forgets_expired_windows(db):
    store = CounterCache("", {})

    assert store.add("k", 1, 60) is True
    assert store.add("k", 1, 60) is False
    assert [store.incr("k") for _ in range(3)] == [2, 3, 4]
    assert store.get("k") == 4
    with pytest.raises(ValueError):
        store.incr("missing")
    assert store.add("old", 5, -1) is True  # already expired
    assert store.get("old") is None
    assert store.add("old", 1, 60) is True


def test_the_check_refuses_a_per_process_store_unless_debug_with_one_process(settings):
    settings.CACHES = {
        **settings.CACHES,
        "limits": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    }
    settings.DEBUG, settings.WEB_CONCURRENCY = True, 1
    call_command("check", fail_level="ERROR")

    for debug, processes in ((False, 1), (True, 2)):
        settings.DEBUG, settings.WEB_CONCURRENCY = debug, processes
        with pytest.raises(SystemCheckError, match="fixboard.E010"):
            call_command("check", fail_level="ERROR")


def test_the_check_names_a_wrong_rate(settings):
    settings.RATE_LIMITS = {"report": {"adress": "10/h", "email": "ten a day"}}

    with pytest.raises(SystemCheckError, match="report.adress") as raised:
        call_command("check", fail_level="ERROR")
    assert "report.email='ten a day'" in str(raised.value)


def test_the_client_address_is_num_proxies_hops_back_and_cannot_be_forged(city, rates, settings):
    rates("support.address=1/h")
    first, second = submit_pothole(city), submit_pothole(city)

    def support(request, forwarded):
        browser = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
        return browser.post(request.get_absolute_url() + "support/").status_code

    # No proxy configured: a made-up X-Forwarded-For changes nothing.
    assert [support(first, "192.0.2.1"), support(second, "192.0.2.2")] == [302, 429]
    settings.NINJA_NUM_PROXIES = 1  # NUM_PROXIES=1: the proxy's last hop is the client
    assert [support(first, "203.0.113.9, 192.0.2.1"), support(second, "192.0.2.2")] == [302, 302]
    assert support(second, "198.51.100.1, 192.0.2.2") == 429


def test_follow_links_and_watch_areas_are_limited_per_client(client, city, rates):
    rates("follow.address=1/h", "watch.address=1/h")
    request = submit_pothole(city)
    follow = request.get_absolute_url() + "follow/"
    watch = f"/notify/watch/{city.jurisdiction.slug}/"

    follows = [client.post(follow, {"follow-email": f"{i}@example.org"}) for i in range(2)]
    watches = [
        client.post(watch, {"email": f"{i}@example.org", "area": city.west.pk}) for i in range(2)
    ]

    assert [f.status_code for f in follows] == [302, 429]
    assert [w.status_code for w in watches] == [200, 429]
    for refused in (follows[1], watches[1]):
        assert "Too many tries in a short time" in refused.content.decode()


def test_an_api_me_too_counts_once_per_client_whatever_its_cookies(city):
    request = submit_pothole(city)
    url = f"/api/v1/requests/{request.public_id}/support"

    answers = [Client().post(url, {}, content_type="application/json") for _ in range(3)]

    assert [a.json()["changed"] for a in answers] == [True, False, False]
    request.refresh_from_db()
    assert request.support_count == 1


def test_an_app_with_a_key_is_not_limited_by_its_address_but_by_target(city, rates):
    rates("comment.address=1/h", "comment.email=2/h")
    app = ApiClient(name="City app")
    key = app.set_new_key()
    app.save()
    app.jurisdictions.add(city.jurisdiction)
    request = submit_pothole(city)
    url = f"/api/v1/requests/{request.public_id}/comments"

    def comment(email):
        body = {"text": "Still there", "email": email}
        return Client(headers={"X-Api-Key": key}).post(url, body, content_type="application/json")

    answers = [comment("a@example.org"), comment("b@example.org"), comment("b@example.org")]

    assert [a.status_code for a in answers] == [201, 201, 201]
    assert comment("b@example.org").status_code == 429
