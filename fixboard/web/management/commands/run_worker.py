"""fixboard run-worker: the background task worker, with leases and a periodic reconcile."""

from django.utils.translation import gettext as _
from django_tasks_db.management.commands import db_worker

from fixboard.core.worker import LeasedWorker


class Command(db_worker.Command):
    help = _(
        "Run background tasks (e-mails, map recounts, webhooks) from the database queue. "
        "SIGTERM stops it after the current task; the work of a killed worker is taken up "
        "again by any worker once its lease (TASK_LEASE_SECONDS) has run out."
    )

    def handle(self, *, verbosity, queue_name, interval, batch, backend_name, startup_delay,
               max_tasks, worker_id, exclude_queues, **options):  # fmt: skip
        self.configure_logging(verbosity)
        worker = LeasedWorker(
            queue_names=queue_name.split(","),
            interval=interval,
            batch=batch,
            backend_name=backend_name,
            startup_delay=startup_delay,
            max_tasks=max_tasks,
            worker_id=worker_id,
            excluded_queue_names=exclude_queues.split(",") if exclude_queues else [],
        )
        # No autoreload: a reload would cut a task short, which the lease then has to repair.
        worker.configure_signals()
        worker.run()
