"""The task worker: django-tasks-db's, with leases on claimed tasks and a periodic reconcile.

django-tasks-db marks a claimed task "running" and nothing ever looks at it again if its
worker dies (SIGKILL, OOM, a lost machine). Here a running task's claim is a lease of
TASK_LEASE_SECONDS from its start: once it has passed, any worker's reconcile puts the task
back in the queue. A live worker renews the lease of a long task (moving its `started_at`), so
only a dead worker's tasks run again. Tasks are written to be run again safely (e-mails claim
their Delivery row).
"""

import logging
import signal
import threading
from datetime import timedelta

from django.conf import settings
from django.db import connections
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

logger = logging.getLogger(__name__)

# A task whose worker died this many times is given up: it is probably what kills them.
MAX_CLAIMS = 5


def lease() -> timedelta:
    return timedelta(seconds=settings.TASK_LEASE_SECONDS)


def release_stale_tasks() -> int:
    """Queue again the tasks whose worker's lease ran out; returns how many."""
    stale = DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING, started_at__lt=timezone.now() - lease()
    ).only("id", "started_at", "worker_ids", "task_path")
    released = 0
    for task in stale:
        given_up = len(task.worker_ids) >= MAX_CLAIMS
        # Conditional on still running from that start, so two reconciles release it once.
        released += DBTaskResult.objects.filter(
            pk=task.pk, status=TaskResultStatus.RUNNING, started_at=task.started_at
        ).update(
            status=TaskResultStatus.FAILED if given_up else TaskResultStatus.READY,
            finished_at=timezone.now() if given_up else None,
        )
        log = logger.error if given_up else logger.warning
        log(
            "Task %s (%s) outlived its lease on worker %s: %s",
            task.pk,
            task.task_path,
            task.worker_ids[-1:],
            "given up" if given_up else "queued again",
        )
    return released


def queued_args(task) -> set:
    """The first argument of every waiting or running copy of `task` (e.g. delivery ids)."""
    rows = DBTaskResult.objects.filter(
        task_path=task.module_path,
        status__in=(TaskResultStatus.READY, TaskResultStatus.RUNNING),
    ).values_list("args_kwargs", flat=True)
    return {row["args"][0] for row in rows.iterator() if row["args"]}


def reconcile() -> None:
    """One pass of every WORKER_RECONCILERS; one failing does not stop the others."""
    try:
        for path in settings.WORKER_RECONCILERS:
            try:
                import_string(path)()
            except Exception:
                logger.exception("Reconcile step %s failed", path)
    finally:
        connections.close_all()  # this thread's own connections


class LeasedWorker(Worker):
    """A worker that stops only between tasks and reconciles in a thread of its own."""

    def shutdown(self, signum, frame) -> None:
        if not self.running:  # a second signal: stop now, the lease recovers the task
            super().shutdown(signum, frame)
            return
        # The library exits at once when no task is running, which can fall after a task
        # is claimed and before it starts: leave the loop only at its next turn instead.
        logger.warning("Received %s: stopping after the current task", signal.strsignal(signum))
        self.running = False

    current_task_id = None

    def run_task(self, db_task_result) -> None:
        self.current_task_id = db_task_result.pk
        try:
            super().run_task(db_task_result)
        finally:
            self.current_task_id = None

    def run(self) -> None:
        stop = threading.Event()
        thread = threading.Thread(target=self._reconcile_until, args=(stop,), daemon=True)
        thread.start()
        try:
            super().run()
        finally:
            stop.set()

    def _reconcile_until(self, stop: threading.Event) -> None:
        while True:
            self._renew_lease()
            reconcile()
            if stop.wait(min(settings.WORKER_RECONCILE_SECONDS, settings.TASK_LEASE_SECONDS / 3)):
                return

    def _renew_lease(self) -> None:
        """Keep the task this worker runs its own, once it has used half of its lease."""
        task_id, now = self.current_task_id, timezone.now()
        if task_id is not None:
            DBTaskResult.objects.filter(
                pk=task_id, status=TaskResultStatus.RUNNING, started_at__lt=now - lease() / 2
            ).update(started_at=now)
