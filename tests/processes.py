"""Servers a test starts as real processes, and stopping them with everything they started.

`fixboard run` is a supervisor: killing it alone leaves its gunicorn and worker behind,
holding a port and database connections for the rest of the run (and the machine's). Such
servers are started in a session of their own, so the whole group can be stopped at once.
"""

import contextlib
import os
import signal
import subprocess


def start(command: list[str], **options) -> subprocess.Popen:
    """Popen in a new session: the process and its children form one process group."""
    return subprocess.Popen(command, start_new_session=True, **options)


def stop_all(process: subprocess.Popen, timeout: float = 20) -> None:
    """SIGTERM the process's group and wait, then SIGKILL whatever is left of it."""
    with contextlib.suppress(ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=timeout)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # children that outlived their parent too
    process.wait()
