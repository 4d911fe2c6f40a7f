"""What every benchmark gets: the options, the databases, and a way to run child tasks."""

import itertools
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from .registry import task_name

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"


class BenchError(Exception):
    """A benchmark could not run; the message says why (and where its log is)."""


@dataclass
class Options:
    sizes: list[int]
    repeat: int
    max_seconds: float
    real_limit: int | None
    work_dir: Path
    profile: bool = False


@dataclass
class Context:
    options: Options
    engines: list = field(default_factory=list)
    unavailable: dict[str, str] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)
    _runs: itertools.count = field(default_factory=itertools.count)

    @property
    def tmp_dir(self) -> Path:
        return self.options.work_dir / "tmp"

    def child(self, func: Callable, *, database_url: str, **params) -> dict:
        """Run the registered task `func(**params)` in a new process on that database."""
        number = next(self._runs)
        name = task_name(func)
        logs = self.options.work_dir / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        log = logs / f"{number:03d}-{name.rpartition('.')[2]}.log"
        result = self.tmp_dir / f"result-{number}.json"
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "DJANGO_SETTINGS_MODULE": "fixboard.settings",
            "FIXBOARD_VAR_DIR": str(self.tmp_dir / "var"),
            "LOG_LEVEL": "WARNING",
        }
        command = [sys.executable, "-m", "bench.child", name, "--result", str(result)]
        command += ["--params", json.dumps(params)]
        with log.open("w", encoding="utf-8") as out:
            done = subprocess.run(command, cwd=ROOT, env=env, stdout=out, stderr=out, check=False)
        if done.returncode != 0:
            lines = log.read_text(encoding="utf-8").splitlines() or ["(no output)"]
            tail = "\n".join(lines[-25:])
            raise BenchError(
                f"{name} exited with status {done.returncode}: {lines[-1]} (log {log})\n{tail}"
            )
        data = json.loads(result.read_text(encoding="utf-8"))
        result.unlink()
        return data

    def repeat(self, desc: str, run_once: Callable[[], dict], times: int | None = None):
        """Up to `times` (default --repeat) runs, fewer once --max-seconds is spent.

        Always at least one run, so a slow measurement still gets a figure.
        """
        times = times or self.options.repeat
        results = []
        started = time.monotonic()
        with tqdm(total=times, desc=desc, unit="run", leave=False) as bar:
            for _ in range(times):
                run_started = time.monotonic()
                results.append(run_once())
                bar.update()
                took = time.monotonic() - run_started
                if time.monotonic() - started + took > self.options.max_seconds:
                    break
        return results
