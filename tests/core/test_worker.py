"""Leases on running tasks: a dead worker's task runs again, a live worker's long one does not."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from fixboard.core.worker import MAX_CLAIMS, LeasedWorker, release_stale_tasks

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _lease(settings):
    settings.TASK_LEASE_SECONDS = 60


def running(started_ago: timedelta, claims: int = 1) -> DBTaskResult:
    return DBTaskResult.objects.create(
        status=TaskResultStatus.RUNNING,
        started_at=timezone.now() - started_ago,
        worker_ids=[f"worker-{n}" for n in range(claims)],
        args_kwargs={"args": [1], "kwargs": {}},
        task_path="fixboard.notify.tasks.deliver",
        backend_name="default",
        run_after=timezone.now(),
    )


def status(task) -> str:
    return DBTaskResult.objects.get(pk=task.pk).status


def test_a_task_past_its_lease_is_queued_again_and_given_up_after_many_deaths():
    dead = running(timedelta(seconds=61))
    fresh = running(timedelta(seconds=30))
    poison = running(timedelta(seconds=61), claims=MAX_CLAIMS)
    assert release_stale_tasks() == 2
    assert (status(dead), status(fresh), status(poison)) == ("READY", "RUNNING", "FAILED")
    assert DBTaskResult.objects.ready().filter(pk=dead.pk).exists()


def test_a_live_worker_renews_the_lease_of_its_long_task():
    long = running(timedelta(seconds=45))
    worker = LeasedWorker(
        queue_names=["*"],
        interval=1,
        batch=False,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="me",
        excluded_queue_names=[],
    )
    worker._renew_lease()  # between tasks: nothing to renew
    assert DBTaskResult.objects.get(pk=long.pk).started_at == long.started_at
    worker.current_task_id = long.pk
    worker._renew_lease()
    renewed = DBTaskResult.objects.get(pk=long.pk).started_at
    assert renewed > timezone.now() - timedelta(seconds=5)  # a full lease from now
    assert release_stale_tasks() == 0
    assert status(long) == "RUNNING"
