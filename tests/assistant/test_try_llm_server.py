"""scripts/try_llm_server.py against the fake server: every question is asked through the real client,
and each reply, its tools and the guard's decision are printed."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.assistant.fake_openai import Always, FakeOpenAI, Json, reply, tool_call
from tests.conftest import Stack

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "try_llm_server.py"


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("try_llm_server", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _model(request: Json) -> Json:
    """Looks up the order a question names, then answers; says hello otherwise; once writes JSON."""
    last = request["messages"][-1]
    if last["role"] == "tool":
        return reply("Baik kak, sudah saya cek ya 😊")
    if "Pesanan #" in last["content"] and "sudah dikirim" in last["content"]:
        number = last["content"].split("#")[1].split()[0]
        return tool_call("order_status", order_number=number)
    if "code" in last["content"]:
        return reply(json.dumps({"name": "write_code", "arguments": {}}))
    return reply("Halo kak! Ada yang bisa dibantu? 😊")


def test_the_script_prints_each_reply_its_tools_and_the_guards_decision(
    stack: Stack, fake_openai: FakeOpenAI, capsys: pytest.CaptureFixture[str]
) -> None:
    script = _script()
    fake_openai.script(Always(_model))

    assert script.main([fake_openai.base_url, "tiny-model", "--timeout", "5"]) == 0

    out = capsys.readouterr().out
    assert all(f"> {q.split('{')[0]}" in out for q in script.QUESTIONS)
    assert "tools: order_status(order_number=" in out and "[guard: passed]" in out
    assert "[guard: replaced; tool_syntax:" in out and "[answered offline: GuardRefusedError]" in out
    assert f"{len(script.QUESTIONS)} questions in" in out
    assert stack.service_role_key not in out
