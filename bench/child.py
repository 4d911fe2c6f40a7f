"""Run one registered task in this process, with Django set up on $DATABASE_URL.

    python -m bench.child bench.imports.run_import --params '{...}' --result out.json

The orchestrator starts one such process per measured run, so that figures such as the
peak memory (ru_maxrss) are the task's own and each run starts from a clean database.
"""

import argparse
import importlib
import json
import os
import resource
from pathlib import Path


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
    baseline_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = func(**json.loads(args.params))
    result["rss"] = {
        "baseline_kb": baseline_kb,
        "peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }
    args.result.write_text(json.dumps(result), encoding="utf-8")


if __name__ == "__main__":
    main()
