"""A limit of N a minute holds across two gunicorn worker processes (as `make run` serves)."""

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from http.cookiejar import CookieJar
from pathlib import Path

from django_ratelimit.core import _get_window

from tests.demo.test_run import free_port

ROOT = Path(__file__).resolve().parents[2]
LIMIT = 5
TRIES = 16


def _prepare(env: dict) -> str:
    """A fresh SQLite installation with one public request; its number."""
    run = {"env": env, "cwd": ROOT, "check": True, "timeout": 120}
    subprocess.run([sys.executable, "-m", "fixboard", "migrate", "--no-input", "-v0"], **run)
    made = subprocess.run(
        [
            sys.executable, "-m", "fixboard", "shell", "-c",
            "from tests.factories import make_city, submit_pothole;"
            "print(submit_pothole(make_city()).public_id)",
        ],
        capture_output=True, text=True, **run,
    )  # fmt: skip
    return made.stdout.split()[-1]


def _serve(env: dict, port: int, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable, "-m", "gunicorn", "fixboard.wsgi:application",
            "--bind", f"127.0.0.1:{port}", "--workers", "2",
            "--access-logfile", str(log), "--access-logformat", "%(p)s %(m)s %(s)s",
            "--no-control-socket",
        ],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def _wait_until_serving(opener, base: str, server: subprocess.Popen) -> str:
    """The CSRF token, once the server answers."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert server.poll() is None, "gunicorn stopped"
        try:
            with opener.open(f"{base}/api/v1/csrf", timeout=5) as answer:
                return json.load(answer)["csrf_token"]
        except OSError:
            time.sleep(0.2)
    raise AssertionError("gunicorn did not answer within 60 s")


def _wait_until_both_answer(opener, base: str, log: Path) -> None:
    """Until each worker has answered a GET: a worker still importing the project would
    leave the whole burst to the other one."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with ThreadPoolExecutor(max_workers=4) as pool:
            list(
                pool.map(lambda _i: opener.open(f"{base}/api/v1/csrf", timeout=5).close(), range(4))
            )
        answered = {line.split()[0] for line in log.read_text().splitlines() if " GET " in line}
        if len(answered) == 2:
            return
        time.sleep(0.2)
    raise AssertionError("the second gunicorn worker did not answer within 60 s")


def _outside_a_window_edge() -> None:
    # django-ratelimit counts in fixed windows: start the burst well inside one.
    left = _get_window("127.0.0.1", 60) - time.time()
    if left < 8:
        time.sleep(left + 1.5)


def test_a_limit_of_n_a_minute_holds_across_two_workers(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DEBUG", "REDIS_URL")}
    env.update(
        FIXBOARD_VAR_DIR=str(tmp_path / "var"),
        RATE_LIMITS=f"support.address={LIMIT}/m,support.request=off,api.address=off",
    )
    public_id = _prepare(env)
    port, log = free_port(), tmp_path / "access.log"
    server = _serve(env, port, log)
    try:
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        base = f"http://127.0.0.1:{port}"
        token = _wait_until_serving(opener, base, server)
        _wait_until_both_answer(opener, base, log)
        _outside_a_window_edge()

        def support(_i) -> int:
            post = urllib.request.Request(
                f"{base}/api/v1/requests/{public_id}/support",
                data=b"{}",
                method="POST",
                headers={"X-CSRFToken": token, "Content-Type": "application/json"},
            )
            try:
                with opener.open(post, timeout=30) as answer:
                    return answer.status
            except urllib.error.HTTPError as refused:
                return refused.code

        with ThreadPoolExecutor(max_workers=8) as pool:
            answers = list(pool.map(support, range(TRIES)))
    finally:
        server.terminate()
        server.wait(timeout=20)

    assert sorted(answers) == [200] * LIMIT + [429] * (TRIES - LIMIT)
    posts = [line.split() for line in log.read_text().splitlines() if " POST " in line]
    assert len({pid for pid, _method, _status in posts}) == 2, "both workers answered"
