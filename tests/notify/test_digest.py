from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from fixboard.notify.models import WatchArea
from tests.factories import INSIDE_EAST, INSIDE_WEST, submit_pothole

pytestmark = pytest.mark.django_db

WATCHER = "block.captain@example.org"


def subscribe(client, mailbox, city, data):
    response = client.post(f"/notify/watch/{city.jurisdiction.slug}/", {"email": WATCHER, **data})
    assert "Check your e-mail" in response.content.decode(), response.content.decode()
    mail = mailbox.to(WATCHER)[-1]
    assert mail.subject.startswith("Confirm your daily digest")
    link = mail.link_to("/notify/watch/confirm/")
    assert "Start my daily digest" in client.get(link).content.decode()
    assert WatchArea.objects.get(email=WATCHER).confirmed_at is None  # opening starts nothing
    assert "Daily digest confirmed" in client.post(link).content.decode()
    mailbox.clear()
    return WatchArea.objects.get(email=WATCHER)


def backdate(watch: WatchArea) -> None:
    """Requests made in the test must be newer than the watch's start."""
    WatchArea.objects.filter(pk=watch.pk).update(
        covered_until=timezone.now() - timedelta(minutes=1)
    )


def digest(mailbox) -> list:
    call_command("send_digests")
    return mailbox.to(WATCHER)


def test_area_digest_lists_exactly_the_new_requests_inside(client, mailbox, city):
    watch = subscribe(client, mailbox, city, {"area": city.west.pk})
    backdate(watch)
    inside = [submit_pothole(city, at=INSIDE_WEST, address=f"{n} West St") for n in (1, 2)]
    outside = submit_pothole(city, at=INSIDE_EAST)
    unconfirmed = submit_pothole(
        city, at=INSIDE_WEST, email="x@example.org", awaiting_confirmation=True
    )

    [mail] = digest(mailbox)

    assert mail.subject == "2 new reports in West Ward"
    for request in inside:
        assert f"/requests/{request.public_id}/" in mail.body
    assert outside.public_id not in mail.body
    assert unconfirmed.public_id not in mail.body
    assert "x@example.org" not in mail.body
    assert mail.header("List-Unsubscribe-Post") == "List-Unsubscribe=One-Click"

    mailbox.clear()
    assert digest(mailbox) == [], "nothing new: no e-mail"
    later = submit_pothole(city, at=INSIDE_WEST)
    [mail] = digest(mailbox)
    assert mail.subject == "1 new report in West Ward"
    assert later.public_id in mail.body
    assert inside[0].public_id not in mail.body


def test_rectangle_digest_and_unsubscribe(client, mailbox, city):
    box = {"min_lat": 34.04, "min_long": -118.26, "max_lat": 34.06, "max_long": -118.24}
    watch = subscribe(client, mailbox, city, box)
    assert watch.area is None
    backdate(watch)
    inside = submit_pothole(city, at=(34.05, -118.25))
    west_but_outside_box = submit_pothole(city, at=(34.09, -118.29))

    [mail] = digest(mailbox)
    assert inside.public_id in mail.body
    assert west_but_outside_box.public_id not in mail.body

    client.post(mail.link_to("/notify/unsubscribe/"))
    mailbox.clear()
    submit_pothole(city, at=(34.05, -118.25))
    assert digest(mailbox) == []


def test_unconfirmed_watch_gets_nothing(client, mailbox, city):
    client.post(
        f"/notify/watch/{city.jurisdiction.slug}/", {"email": WATCHER, "area": city.west.pk}
    )
    mailbox.clear()
    WatchArea.objects.update(created_at=timezone.now() - timedelta(days=2))
    submit_pothole(city, at=INSIDE_WEST)
    assert digest(mailbox) == []


def test_watch_form_errors_are_clear(client, mailbox, city):
    url = f"/notify/watch/{city.jurisdiction.slug}/"
    page = client.post(url, {"email": WATCHER}).content.decode()
    assert "Choose an area or draw a rectangle on the map." in page
    huge = {"min_lat": 30, "min_long": -120, "max_lat": 36, "max_long": -110}
    page = client.post(url, {"email": WATCHER, **huge}).content.decode()
    assert "Draw a smaller rectangle" in page
    assert mailbox.received == []
    assert WatchArea.objects.count() == 0


def test_digest_subscriptions_are_rate_limited_per_address(client, mailbox, city):
    url = f"/notify/watch/{city.jurisdiction.slug}/"
    for _ in range(5):
        client.post(url, {"email": WATCHER, "area": city.west.pk})
    page = client.post(url, {"email": WATCHER, "area": city.east.pk}).content.decode()
    assert "asked for several digests today" in page
    assert len(mailbox.to(WATCHER)) == 5


@pytest.mark.django_db(transaction=True)  # the worker closes connections, as in production
def test_worker_schedule_runs_once_a_day_and_reschedules(client, mailbox, city, settings):
    from fixboard.notify.models import DigestRun
    from fixboard.notify.tasks import next_digest_time, scheduled_digests

    watch = subscribe(client, mailbox, city, {"area": city.west.pk})
    backdate(watch)
    submit_pothole(city, at=INSIDE_WEST)
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    from django_tasks_db.models import DBTaskResult

    scheduled_digests.call()
    scheduled_digests.call()  # a second chain on the same day stops
    call_command("db_worker", batch=True, no_startup_delay=True, verbosity=0)

    assert len(mailbox.to(WATCHER)) == 1
    assert DigestRun.objects.count() == 1
    [next_run] = DBTaskResult.objects.filter(task_path__endswith="scheduled_digests")
    assert next_run.run_after == next_digest_time(timezone.now())
    assert next_run.run_after > timezone.now()
    assert timezone.localtime(next_run.run_after).hour == settings.DIGEST_HOUR


def test_schedule_command_needs_a_backend_that_can_wait(settings, city):
    from django.core.management.base import CommandError
    from django_tasks_db.models import DBTaskResult

    with pytest.raises(CommandError, match="from cron instead"):
        call_command("send_digests", "--schedule")
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    call_command("send_digests", "--schedule")
    assert DBTaskResult.objects.filter(task_path__endswith="scheduled_digests").count() == 1
