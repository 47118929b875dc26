"""The api's cold start pays for what a webhook needs, not for the LLM stack: importing its handler in a
fresh interpreter loads neither OpenAI's client, nor LangChain, nor LangSmith (the worker's replies,
summaries and insights import them when they run)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

LLM_STACK = ("openai", "langchain_core", "langchain_openai", "langsmith")
_PROBE = """
import json, sys
import sapa.api.handler
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
"""


def test_the_api_handler_imports_no_llm_library() -> None:
    environment = {
        **os.environ,
        "SUPABASE_URL": "http://127.0.0.1:9",
        "SUPABASE_SERVICE_ROLE_KEY": "service-role-key",
        "SUPABASE_JWT_SECRET": "jwt-secret",
    }
    environment.pop("SSM_PARAMETER_PATH", None)
    completed = subprocess.run(
        [sys.executable, "-c", _PROBE],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    loaded = set(json.loads(completed.stdout.splitlines()[-1]))

    assert "fastapi" in loaded and "mangum" in loaded
    assert loaded.isdisjoint(LLM_STACK), sorted(loaded.intersection(LLM_STACK))
