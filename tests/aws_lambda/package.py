"""Packages the functions as a deploy does: the pinned Serverless Framework v3 and
serverless-python-requirements (functions/deploy, installed by make) run `serverless package` on a copy of
the repository's serverless.yml, with only the models image stubbed (stub-images.js: no Docker engine or
ECR here). No AWS credentials are given. The api zip is then unpacked into a clean folder, as Lambda does
into /var/task."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DEPLOY_TOOLS = ROOT / "functions" / "deploy"
SERVERLESS = DEPLOY_TOOLS / "node_modules" / ".bin" / "serverless"
RUNTIME_DIR = DEPLOY_TOOLS / "runtime"
"""awslambdaric, as the Lambda runtime provides it (/var/runtime): make installs it here."""
STAGE = "lambda-test"
REGION = "ap-southeast-3"
PUBLIC_BASE_URL = "https://abc123.execute-api.ap-southeast-3.amazonaws.com"
_STUB = "./stub-images"


@dataclass(frozen=True)
class Package:
    service_dir: Path
    task_root: Path
    """The api zip, unpacked."""
    zip_path: Path
    template: dict[str, Any]
    output: str

    def function(self, name: str) -> dict[str, Any]:
        """A function's CloudFormation properties (Serverless names the resource <Name>LambdaFunction)."""
        properties: dict[str, Any] = self.template["Resources"][f"{name.capitalize()}LambdaFunction"][
            "Properties"
        ]
        return properties

    def resource(self, logical_id: str) -> dict[str, Any]:
        properties: dict[str, Any] = self.template["Resources"][logical_id]["Properties"]
        return properties


def _copy_service(service_dir: Path) -> None:
    shutil.rmtree(service_dir, ignore_errors=True)
    service_dir.mkdir(parents=True)
    spec = (ROOT / "serverless.yml").read_text()
    marker = "plugins:\n  - serverless-python-requirements\n"
    assert marker in spec, "serverless.yml lists its plugins as expected"
    (service_dir / "serverless.yml").write_text(spec.replace(marker, f"{marker}  - {_STUB}\n"))
    shutil.copy(Path(__file__).with_name("stub-images.js"), service_dir / "stub-images.js")
    shutil.copy(ROOT / "requirements-lambda.txt", service_dir / "requirements-lambda.txt")
    shutil.copytree(
        ROOT / "functions" / "sapa",
        service_dir / "functions" / "sapa",
        ignore=shutil.ignore_patterns("node_modules", "__pycache__", "*.pyc"),
    )


def serverless_environment() -> dict[str, str]:
    """No AWS credentials or profile, no telemetry, no interactive prompts; pip's download cache (the
    plugin's, under HOME) is kept between runs, its static cache is off (serverless.yml)."""
    keep = ("PATH", "HOME", "LANG", "TMPDIR")
    environment = {key: os.environ[key] for key in keep if key in os.environ}
    environment.update({"CI": "1", "SLS_TELEMETRY_DISABLED": "1", "SLS_NOTIFICATIONS_MODE": "off"})
    return environment


def package(work_dir: Path) -> Package:
    assert SERVERLESS.exists(), f"{SERVERLESS} is missing: run `make install`"
    service_dir = work_dir / "service"
    _copy_service(service_dir)
    command = [
        str(SERVERLESS),
        "package",
        "--stage",
        STAGE,
        "--region",
        REGION,
        "--param",
        f"publicBaseUrl={PUBLIC_BASE_URL}",
    ]
    completed = subprocess.run(
        command,
        cwd=service_dir,
        env=serverless_environment(),
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output[-5000:]
    build = service_dir / ".serverless"
    zip_path = build / "sapa.zip"
    template = json.loads((build / "cloudformation-template-update-stack.json").read_text())
    task_root = work_dir / "task"
    shutil.rmtree(task_root, ignore_errors=True)
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(task_root)
    return Package(service_dir, task_root, zip_path, template, output)


if __name__ == "__main__":  # by hand: python -m tests.aws_lambda.package
    built = package(ROOT / ".sapa" / "lambda")
    print(built.output)
    print(built.zip_path, built.zip_path.stat().st_size)
