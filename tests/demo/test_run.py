"""`fixboard run`: web server and task worker start together and stop together."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from tests import processes

STARTED = re.compile(r"web pid (\d+), worker pid (\d+)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ")[1][0] != "Z"
    except FileNotFoundError:
        return False


@pytest.fixture(scope="module")
def env(tmp_path_factory) -> dict:
    """A fresh SQLite installation, whatever database the suite runs on."""
    environment = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DEBUG")}
    var = tmp_path_factory.mktemp("install") / "var"  # not there yet, as in a fresh clone
    environment.update(FIXBOARD_VAR_DIR=str(var), PYTHONUNBUFFERED="1")
    subprocess.run(
        [sys.executable, "-m", "fixboard", "migrate", "--no-input", "-v0"],
        env=environment,
        check=True,
    )
    return environment


@pytest.fixture
def server(env, tmp_path):
    port = free_port()
    log = open(tmp_path / "run.log", "w+")  # noqa: SIM115 - closed below
    process = processes.start(
        [sys.executable, "-m", "fixboard", "run", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield process, port, log
    finally:
        processes.stop_all(process)
        log.close()


def output(log) -> str:
    log.flush()
    log.seek(0)
    return log.read()


def wait_until_serving(process, port, log) -> tuple[int, int]:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert process.poll() is None, output(log)
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/admin/login/", timeout=5) as r:
                if r.status == 200:
                    web, worker = STARTED.search(output(log)).groups()
                    return int(web), int(worker)
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"not serving after 90 s:\n{output(log)}")


def test_serves_then_stops_both_on_sigterm(server):
    process, port, log = server
    web, worker = wait_until_serving(process, port, log)
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/static/admin/css/base.css") as r:
        assert r.status == 200  # collected and served by WhiteNoise
    assert alive(web) and alive(worker)

    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0, output(log)
    assert "Stopped." in output(log)
    assert not alive(web) and not alive(worker)


def test_when_the_worker_dies_the_server_stops_too(server):
    process, port, log = server
    web, worker = wait_until_serving(process, port, log)
    os.kill(worker, signal.SIGKILL)
    assert process.wait(timeout=30) == 1
    text = output(log)
    assert "task worker stopped unexpectedly" in text
    assert "Traceback" not in text
    assert not alive(web)


def test_bad_port_is_refused(env):
    done = subprocess.run(
        [sys.executable, "-m", "fixboard", "run", "--port", "70000"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1
    assert "--port must be between 1 and 65535" in done.stderr


def test_port_in_use_stops_everything(env):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "fixboard", "run", "--port", str(port), "--workers", "1"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode == 1
    assert "web server stopped unexpectedly" in done.stderr
    assert "Traceback" not in done.stderr
    worker = int(STARTED.search(done.stdout).group(2))
    assert not alive(worker)
