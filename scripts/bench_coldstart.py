"""The api's cold start against a bare FastAPI + Mangum app, measured in the same run, each in fresh
interpreters (what a new Lambda execution environment pays before its first request): the import and
construction of the handler, median of --runs. The api must stay within 3 times the bare figure: the
LLM stack (openai, langchain, langsmith) loads only where a reply or summary needs it.

    .venv/bin/python scripts/bench_coldstart.py [--runs 5] [--task-root .sapa/lambda/task]

--task-root measures the packaged zip as unpacked by tests/aws_lambda (python -S: only the zip's code)."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

BARE = """
import time
started = time.perf_counter()
from fastapi import FastAPI
from mangum import Mangum
handler = Mangum(FastAPI(), lifespan="off")
print(time.perf_counter() - started)
"""
API = """
import time
started = time.perf_counter()
import sapa.api.handler
print(time.perf_counter() - started)
"""
LLM_STACK = ("openai", "langchain_core", "langchain_openai", "langsmith")
PROBE = (
    f"import sys, json, sapa.api.handler; print(json.dumps(sorted(set(sys.modules) & {set(LLM_STACK)!r})))"
)


def _environment(task_root: Path | None) -> dict[str, str]:
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "SUPABASE_URL": "http://127.0.0.1:9",
        "SUPABASE_SERVICE_ROLE_KEY": "service-role-key",
        "SUPABASE_JWT_SECRET": "jwt-secret",
    }
    if task_root is not None:
        environment["PYTHONPATH"] = f"{task_root / 'functions'}:{task_root}"
    return environment


def _run(code: str, task_root: Path | None) -> str:
    command = [sys.executable, *(["-S"] if task_root else []), "-c", code]
    completed = subprocess.run(
        command, env=_environment(task_root), capture_output=True, text=True, timeout=300, check=False
    )
    if completed.returncode != 0:
        raise SystemExit(completed.stderr[-2000:])
    return completed.stdout.strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--task-root", type=Path, default=None)
    arguments = parser.parse_args()

    bare, api = [], []
    for _ in range(arguments.runs):  # interleaved, so both see the same load on the machine
        bare.append(float(_run(BARE, arguments.task_root)))
        api.append(float(_run(API, arguments.task_root)))
    loaded = json.loads(_run(PROBE, arguments.task_root))
    ratio = statistics.median(api) / statistics.median(bare)
    print(f"bare FastAPI + Mangum: median {statistics.median(bare):.3f} s  {[round(t, 3) for t in bare]}")
    print(f"sapa api handler:      median {statistics.median(api):.3f} s  {[round(t, 3) for t in api]}")
    print(f"ratio: {ratio:.2f} (limit 3.00); LLM modules loaded by the api: {loaded or 'none'}")
    sys.exit(0 if ratio <= 3 and not loaded else 1)


if __name__ == "__main__":
    main()
