"""Workers stopped (SIGTERM) and killed (SIGKILL) while they send: each e-mail goes once.

A real worker process (`fixboard run-worker`) sends to a real SMTP server (aiosmtpd) from a
file database of its own. The server kills the worker while it holds a message not yet
accepted; the test stops it gracefully at random moments; each time another one starts.
"""

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter

import pytest
from aiosmtpd.controller import Controller

from .conftest import Mailbox, _free_port

REQUESTS, FOLLOWERS = 3, 100  # one status change each: 300 e-mails
SIGKILL_AT = (30, 110, 190)  # the SMTP messages during which the worker is killed
SIGTERMS = 4
LEASE = 1.0


def seed() -> None:
    """Three requests with a hundred followers each, each acknowledged (run in the install)."""
    from fixboard.reports.actions import transition
    from fixboard.reports.models import Contact, Follow, Status
    from tests.factories import make_city, submit_pothole

    city = make_city()
    for i in range(REQUESTS):
        request = submit_pothole(city)
        contacts = Contact.objects.bulk_create(
            Contact(email=f"follower-{i}-{n}@example.org") for n in range(FOLLOWERS)
        )
        Follow.objects.bulk_create(Follow(request=request, contact=c) for c in contacts)
        transition(request=request, to_status=Status.ACKNOWLEDGED, actor="city")


def report() -> None:
    """The states of deliveries and tasks, as JSON on stdout (run in the install)."""
    from django.db.models import Count
    from django_tasks_db.models import DBTaskResult

    from fixboard.notify.models import Delivery

    def counts(queryset, field):
        return dict(queryset.values_list(field).annotate(n=Count("pk")).order_by())

    print(
        json.dumps(
            {
                "deliveries": counts(Delivery.objects.all(), "state"),
                "tasks": counts(DBTaskResult.objects.all(), "status"),
                "left": list(
                    DBTaskResult.objects.exclude(status="SUCCESSFUL").values_list(
                        "task_path", "status", "args_kwargs", "enqueued_at", "run_after"
                    )
                ),
            },
            default=str,  # the times of the tasks left
        )
    )


class KillingMailbox(Mailbox):
    """Kills the worker instead of accepting the message numbered in SIGKILL_AT."""

    def __init__(self):
        super().__init__()
        self.data_commands = 0
        self.worker_pid = None
        self.killed = set()

    async def handle_DATA(self, server, session, envelope):
        self.data_commands += 1
        if self.data_commands in SIGKILL_AT:
            os.kill(self.worker_pid, signal.SIGKILL)
            self.killed.add(self.worker_pid)
            return "451 4.3.0 Try again later"
        return await super().handle_DATA(server, session, envelope)


def python(env, code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def database_url() -> str | None:
    """The suite's PostgreSQL test database (the test empties it afterwards); None on SQLite."""
    from django.db import connection

    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return None
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@pytest.fixture
def install(tmp_path):
    """A fresh installation (a SQLite file, or the PostgreSQL test database) whose e-mail goes
    to a real SMTP server."""
    box = KillingMailbox()
    port = _free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    url = database_url()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DEBUG")}
    if url:
        env["DATABASE_URL"] = url
    env.update(
        DJANGO_SETTINGS_MODULE="fixboard.settings",
        FIXBOARD_VAR_DIR=str(tmp_path / "var"),
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(port),
        EMAIL_TIMEOUT="5",
        TASK_LEASE_SECONDS=str(LEASE),
        WORKER_RECONCILE_SECONDS="0.2",
        LOG_LEVEL="WARNING",
    )
    if not url:
        subprocess.run(
            [sys.executable, "-m", "fixboard", "migrate", "--no-input", "-v0"], env=env, check=True
        )
    python(env, "from tests.notify.test_worker_faults import seed; seed()")
    yield env, box
    controller.stop()


def wait_until_drained(env, deadline: float) -> None:
    """Until no task waits or runs. A reconcile pass may queue a task again (a notification
    whose deliveries it has not seen, a released lease) just before the last e-mail; on a
    busy machine that copy can still be waiting when the last worker is told to stop."""
    while True:
        states = json.loads(
            python(env, "from tests.notify.test_worker_faults import report; report()")
        )
        if not set(states["tasks"]) & {"READY", "RUNNING"}:
            return
        assert time.monotonic() < deadline, f"tasks left in the queue: {states['left']}"
        time.sleep(0.5)


def start_worker(env, log_path) -> subprocess.Popen:
    """A worker, once it has started its loop (signals before that stop Django's start-up)."""
    command = ["run-worker", "--queue-name", "*", "--no-startup-delay", "--interval", "0.1"]
    started = log_path.read_text().count("Starting worker") if log_path.exists() else 0
    with open(log_path, "a") as log:
        worker = subprocess.Popen(
            [sys.executable, "-m", "fixboard", *command], env=env, stdout=log, stderr=log
        )
    deadline = time.monotonic() + 20
    while log_path.read_text().count("Starting worker") == started:
        assert worker.poll() is None and time.monotonic() < deadline, log_path.read_text()
        time.sleep(0.05)
    return worker


@pytest.mark.django_db(transaction=True)  # on PostgreSQL the worker shares the test database
def test_stopped_and_killed_workers_send_every_email_exactly_once(install, tmp_path):
    env, box = install
    expected = REQUESTS * FOLLOWERS
    log = tmp_path / "worker.log"
    terms, deadline = 0, time.monotonic() + 150  # generous for a busy CI machine
    while time.monotonic() < deadline:
        worker = start_worker(env, log)
        box.worker_pid = worker.pid
        last = terms == SIGTERMS
        # Stopped after a few more e-mails, or, the last one, once all have arrived.
        stop_at = expected if last else len(box.received) + random.randint(10, 30)
        while worker.poll() is None and len(box.received) < stop_at:
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.02)
        if worker.poll() is not None:
            continue  # killed by the SMTP server: start another
        if last:
            time.sleep(LEASE + 1)  # outlive a lease, in case anything came back
            wait_until_drained(env, deadline)
        worker.send_signal(signal.SIGTERM)
        code = worker.wait(timeout=20)  # graceful: the current task, then out
        assert code == 0 or worker.pid in box.killed, log.read_text()[-3000:]
        if last:
            break
        terms += 1

    sent = Counter((m.to[0], m.subject) for m in box.received)
    assert len(box.killed) == len(SIGKILL_AT) and terms == SIGTERMS
    assert len(sent) == expected, "lost e-mails"
    assert max(sent.values()) == 1, "e-mails sent twice"
    states = json.loads(python(env, "from tests.notify.test_worker_faults import report; report()"))
    assert states["deliveries"] == {"sent": expected}
    assert set(states["tasks"]) == {"SUCCESSFUL"}, states["left"]
