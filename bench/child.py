"""Run one registered task in this process, with Django set up on $DATABASE_URL.

    python -m bench.child bench.imports.run_import --params '{...}' --result out.json

The orchestrator starts one such process per measured run, so that figures such as the
peak memory (VmHWM) are the task's own and each run starts from a clean database.
"""

import argparse
import importlib
import json
import os
import resource
from pathlib import Path


def peak_kb() -> int:
    """This process's peak resident set size, in KB.

    From /proc's VmHWM, which starts afresh at exec: ru_maxrss carries the parent's peak
    across fork and exec on Linux, so a child of a large orchestrator would report the
    orchestrator's size as its own.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("task", help="dotted name of a function registered with @task")
    parser.add_argument("--params", default="{}", help="keyword arguments, as a JSON object")
    parser.add_argument("--result", type=Path, required=True, help="where to write the JSON")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fixboard.settings")
    import django

    django.setup()
    from bench.registry import TASKS

    module_name, _, func_name = args.task.rpartition(".")
    importlib.import_module(module_name)
    func = TASKS[args.task]
    baseline_kb = peak_kb()
    result = func(**json.loads(args.params))
    result["rss"] = {
        "baseline_kb": baseline_kb,
        "peak_kb": peak_kb(),
    }
    args.result.write_text(json.dumps(result), encoding="utf-8")


if __name__ == "__main__":
    main()
