"""A packaged function run as Lambda runs it: AWS's runtime interface client (awslambdaric, from
functions/deploy/runtime) in a fresh interpreter without site-packages, its code only from the unpacked
zip, the environment of its CloudFormation resource plus what the Lambda service sets, and the network
guard loaded first. Events go through the loopback Runtime API (runtime_api.py)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.aws_lambda.package import REGION, RUNTIME_DIR
from tests.aws_lambda.runtime_api import RuntimeApi

GUARD_DIR = Path(__file__).with_name("guard")
_BOOT = """
import runpy, sys
guard_dir, report, handler = sys.argv[1:4]
sys.path.insert(0, guard_dir)
import netguard
netguard.install(report)
del sys.path[0]
sys.argv = ["awslambdaric", handler]
runpy.run_module("awslambdaric", run_name="__main__", alter_sys=True)
"""


def lambda_service_environment(
    name: str, memory_mb: int, runtime_api: str, task_root: Path
) -> dict[str, str]:
    """What the Lambda service sets in every execution environment (credentials: the role's, here dummies)."""
    return {
        "AWS_LAMBDA_FUNCTION_NAME": name,
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(memory_mb),
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{name}",
        "AWS_LAMBDA_LOG_STREAM_NAME": "2026/12/03/[$LATEST]0123456789abcdef",
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.11",
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "ASIAEXAMPLEEXAMPLE00",
        "AWS_SECRET_ACCESS_KEY": "dummy-role-secret",
        "AWS_SESSION_TOKEN": "dummy-role-session",
        "AWS_LAMBDA_RUNTIME_API": runtime_api,
        "LAMBDA_TASK_ROOT": str(task_root),
        "LAMBDA_RUNTIME_DIR": str(RUNTIME_DIR),
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        "PATH": "/usr/local/bin:/usr/bin:/bin",
    }


@dataclass
class RunningFunction:
    name: str
    api: RuntimeApi
    process: subprocess.Popen[bytes]
    log_path: Path
    guard_report: Path

    def invoke(self, event: dict[str, Any]) -> Any:
        return self.api.invoke(event)

    def logs(self) -> str:
        return self.log_path.read_text(errors="replace")

    def refused_connections(self) -> list[str]:
        return self.guard_report.read_text().splitlines() if self.guard_report.exists() else []


@contextmanager
def running_function(
    name: str,
    handler: str,
    task_root: Path,
    environment: dict[str, str],
    *,
    memory_mb: int,
    timeout_seconds: float,
    work_dir: Path,
) -> Iterator[RunningFunction]:
    arn = f"arn:aws:lambda:{REGION}:123456789012:function:{name}"
    with ExitStack() as stack:
        api = stack.enter_context(RuntimeApi(arn, timeout_seconds).running())
        env = {**environment, **lambda_service_environment(name, memory_mb, api.address, task_root)}
        # Lambda's sys.path: the function's PYTHONPATH (serverless.yml: functions), the task root, then
        # the runtime's own folder (awslambdaric).
        env["PYTHONPATH"] = ":".join(
            p for p in (environment.get("PYTHONPATH"), str(task_root), str(RUNTIME_DIR)) if p
        )
        log_path = work_dir / f"{name}.log"
        report = work_dir / f"{name}.refused"
        report.unlink(missing_ok=True)
        log = stack.enter_context(log_path.open("wb"))
        command = [sys.executable, "-S", "-c", _BOOT, str(GUARD_DIR), str(report), handler]
        process = subprocess.Popen(command, cwd=task_root, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            yield RunningFunction(name, api, process, log_path, report)
        finally:
            process.kill()
            process.wait(timeout=10)
