"""The `sapa` command's contract with other tools (DESIGN.md section 4)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import Stack

DESIGN_KEYS = [
    "API_URL", "DB_URL", "ANON_KEY", "SERVICE_ROLE_KEY", "JWT_SECRET", "FUNCTIONS_URL", "DASHBOARD_URL",
    "DEMO_STORE_ID", "DEMO_WHATSAPP_NUMBER", "TWILIO_AUTH_TOKEN", "WOOCOMMERCE_WEBHOOK_SECRET",
    "DEMO_ADMIN_EMAIL", "DEMO_ADMIN_PASSWORD", "DEMO_AGENT_EMAIL", "DEMO_AGENT_PASSWORD",
]  # fmt: skip


def sapa(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "sapa.cli", *args]
    return subprocess.run(
        command, capture_output=True, text=True, timeout=60, env={**os.environ, **(env or {})}
    )


def test_status_env_prints_every_key_of_the_running_stack(stack: Stack) -> None:
    result = sapa("status", "-o", "env", "--profile", "test")

    assert result.returncode == 0, result.stderr
    env = dict(line.split("=", 1) for line in result.stdout.splitlines())
    # DESIGN.md's keys first, in its order; then the local object storage's (knowledge documents, media)
    # and the superuser's database URL (the platform's set-up; DB_URL's `postgres` is no superuser)
    assert list(env) == [*DESIGN_KEYS, "S3_ENDPOINT_URL", "KNOWLEDGE_BUCKET", "ADMIN_DB_URL"]
    assert env["ADMIN_DB_URL"] == stack.db_url.replace("//postgres:", "//supabase_admin:")
    assert env["S3_ENDPOINT_URL"].startswith("http://127.0.0.1:")
    assert env["API_URL"] == stack.api_url
    assert env["DB_URL"] == stack.db_url
    assert env["ANON_KEY"] == stack.anon_key
    assert re.fullmatch(r"\+[1-9][0-9]{6,14}", env["DEMO_WHATSAPP_NUMBER"])
    assert all(
        env[key].startswith("http://127.0.0.1:") for key in ("API_URL", "FUNCTIONS_URL", "DASHBOARD_URL")
    )


def test_status_of_a_stack_that_is_not_running_exits_1(tmp_path: Path) -> None:
    result = sapa("status", "--profile", "demo", env={"SAPA_STATE_DIR": str(tmp_path)})

    assert result.returncode == 1
    assert result.stdout.strip() == "the demo stack is not running"


def test_exec_refuses_to_start_a_second_stack_of_the_same_profile(stack: Stack) -> None:
    result = sapa("exec", "--profile", "test", "--", "true")

    assert result.returncode == 1
    assert "already running" in result.stderr
