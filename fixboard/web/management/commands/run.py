"""fixboard run: the web server and the task worker together, for a one-machine install."""

import os
import signal
import subprocess
import sys
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
GRACE_SECONDS = 15


class Command(BaseCommand):
    help = _(
        "Serve Fixboard on one machine: gunicorn (static files through WhiteNoise) and the "
        "background task worker. Ctrl-C or SIGTERM stops both; if either stops on its own, "
        "the other is stopped too and the command exits with an error. Behind nginx or for "
        "several machines, run gunicorn and `fixboard run-worker` as services instead "
        "(docs/install.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--port",
            type=int,
            default=os.environ.get("PORT", "8000"),  # a string: argparse checks it like an option
            help=_("TCP port of the web server (default: $PORT or 8000)."),
        )
        parser.add_argument(
            "--host",
            default=os.environ.get("HOST", "127.0.0.1"),
            help=_("Address to listen on (default: $HOST or 127.0.0.1; 0.0.0.0 for all)."),
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=os.environ.get("WEB_CONCURRENCY", "2"),
            help=_("Web server processes (default: $WEB_CONCURRENCY or 2)."),
        )

    def handle(self, *args, port, host, workers, **options):
        if not 0 < port < 65536:
            raise CommandError(_("--port must be between 1 and 65535."))
        if workers < 1:
            raise CommandError(_("--workers must be at least 1."))
        try:
            call_command("collectstatic", interactive=False, verbosity=0)
        except (OSError, ValueError) as exc:  # a broken reference in a CSS or JS file
            raise CommandError(
                _("Collecting the static files failed, so the site cannot start: %(e)s")
                % {"e": exc}
            ) from exc
        stopping = {"signal": None}

        def on_signal(signum, _frame):
            stopping["signal"] = signum

        for signum in STOP_SIGNALS:
            signal.signal(signum, on_signal)
        processes = self._start(host, port, workers)
        failed = self._supervise(processes, stopping)
        self._stop(processes)
        if failed:
            raise CommandError(
                _("%(name)s stopped unexpectedly (exit status %(code)s); stopped the rest.")
                % failed
            )
        self.stdout.write(_("Stopped."))

    def _start(self, host: str, port: int, workers: int) -> dict[str, subprocess.Popen]:
        python = sys.executable
        address = f"[{host}]" if ":" in host else host  # IPv6
        shown = "localhost" if host in ("0.0.0.0", "::") else address
        web = [
            python, "-m", "gunicorn", "fixboard.wsgi:application",
            "--bind", f"{address}:{port}",
            "--workers", str(workers),
            "--graceful-timeout", str(GRACE_SECONDS - 5),
            "--access-logfile", "-",
            "--forwarded-allow-ips", "127.0.0.1,::1",
            "--no-control-socket",
            # Open311 clients ask for up to 1,000 requests by id in one URL, beyond gunicorn's
            # 4,094 bytes (and its 8,190 maximum); 0 is gunicorn's 1 MB, and Fixboard answers
            # a query over 128 KB with a 414 in Open311's format (docs/install.md).
            "--limit-request-line", "0",
        ]  # fmt: skip
        worker = [python, "-m", "fixboard", "run-worker", "--queue-name", "*"]
        # Links in e-mails must point at this server when no public address is configured.
        env = {"SITE_URL": f"http://{shown}:{port}", **os.environ}
        # Own process groups: a Ctrl-C reaches only this command, which stops both in order.
        processes = {
            _("web server"): subprocess.Popen(web, process_group=0, env=env),
            _("task worker"): subprocess.Popen(worker, process_group=0, env=env),
        }
        self.stdout.write(
            _("Fixboard on http://%(host)s:%(port)d/ (web pid %(web)d, worker pid %(worker)d).")
            % {
                "host": shown,
                "port": port,
                "web": processes[_("web server")].pid,
                "worker": processes[_("task worker")].pid,
            }
        )
        self.stdout.write(_("Press Ctrl-C to stop."))
        self.stdout.flush()
        return processes

    def _supervise(self, processes, stopping) -> dict | None:
        while stopping["signal"] is None:
            for name, process in processes.items():
                code = process.poll()
                if code is not None:
                    return {"name": name, "code": code}
            time.sleep(0.2)
        return None

    def _stop(self, processes) -> None:
        for process in processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + GRACE_SECONDS
        for process in processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
