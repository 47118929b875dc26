"""A local OpenAI-compatible server (POST /v1/chat/completions), so the real `openai` client and
LangChain run unmodified in tests. Each test scripts its answers (the model's behaviour) and reads back
every request; `Quirks` make it behave like the real servers that broke Sapa (the server's behaviour):
llama-cpp-python's server answers HTTP 500 to an assistant message with "content": null and to a
json_schema response format, and its chatml-function-calling handler answers every tool_choice "auto"
with empty content."""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Json = dict[str, Any]


@dataclass(frozen=True)
class Failure:
    """Answer with an HTTP error, as OpenAI does (JSON error object)."""

    status: int = 500
    message: str = "The server had an error while processing your request."


@dataclass(frozen=True)
class Slow:
    """Answer only after `seconds` (longer than the client's timeout: a timeout)."""

    seconds: float
    then: Json = field(default_factory=dict)


@dataclass(frozen=True)
class Always:
    """The same answer to this and every later request (a model stuck in a loop): never used up."""

    step: Json | Failure | Callable[[Json], Json | Failure]


@dataclass(frozen=True)
class Quirks:
    """What a real OpenAI-compatible server does differently from OpenAI, before any model answers."""

    reject_null_content: bool = False
    """HTTP 500 when an assistant message has "content": null (llama-cpp-python's server)."""
    reject_json_schema: bool = False
    """HTTP 500 to response_format {"type": "json_schema"} (llama-cpp-python's server)."""
    empty_on_auto: bool = False
    """Empty content for tool_choice "auto" (llama-cpp-python's chatml-function-calling handler)."""


Step = Json | Failure | Slow | Always | Callable[[Json], "Json | Failure"]


def tool_call(name: str, **args: Any) -> Json:
    """An assistant message asking for one tool call."""
    return {"content": None, "tool_calls": [{"name": name, "arguments": args}]}


def reply(content: str) -> Json:
    """An assistant message with text."""
    return {"content": content}


def tool_call_as_text(name: str, style: str = "json", **args: Any) -> Json:
    """A tool call the model wrote into the content (no tool parser on the server): bare JSON as Qwen
    models write it, or inside Hermes/Qwen <tool_call> tags."""
    call = json.dumps({"name": name, "arguments": args}, ensure_ascii=False)
    return reply(call if style == "json" else f"<tool_call>\n{call}\n</tool_call>")


def repeating_call(name: str, **args: Any) -> Always:
    """A model that asks for the same call again and again, and, when a round forbids tools
    (tool_choice "none"), writes the call as text instead of answering."""

    def step(request: Json) -> Json:
        if request.get("tool_choice") == "none":
            return tool_call_as_text(name, **args)
        return tool_call(name, **args)

    return Always(step)


class FakeOpenAI:
    def __init__(self, quirks: Quirks | None = None) -> None:
        self.quirks = quirks or Quirks()
        self.requests: list[Json] = []
        self.headers: list[dict[str, str]] = []
        self._steps: deque[Step] = deque()
        self._calls = 0
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def script(self, *steps: Step) -> None:
        self._steps.extend(steps)

    def behave_like(self, quirks: Quirks) -> None:
        self.quirks = quirks

    @property
    def unused_steps(self) -> int:
        return len(self._steps)

    @contextmanager
    def running(self) -> Iterator[FakeOpenAI]:
        thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._server.shutdown()
            self._server.server_close()
            thread.join(timeout=5)

    # The HTTP side ---------------------------------------------------------------------------------
    def _answer(self, path: str, headers: dict[str, str], body: Json) -> tuple[int, Json]:
        with self._lock:
            self.requests.append(body)
            self.headers.append(headers)
            self._calls += 1
            number = self._calls
            quirk = self._quirk(body)
            step: Step | None = None
            if quirk is None and self._steps:
                step = self._steps[0] if isinstance(self._steps[0], Always) else self._steps.popleft()
        if path != "/v1/chat/completions":
            return 404, _error(f"unknown path {path}")
        if isinstance(quirk, Failure):
            return quirk.status, _error(quirk.message)
        if quirk is not None:
            return 200, _completion(body, quirk, number)
        if isinstance(step, Always):
            step = step.step
        if step is None:
            return 500, _error("the test scripted no answer for this request")
        if isinstance(step, Slow):
            time.sleep(step.seconds)
            step = step.then
        if callable(step):
            step = step(body)
        if isinstance(step, Failure):
            return step.status, _error(step.message)
        return 200, _completion(body, step, number)

    def _quirk(self, body: Json) -> Json | Failure | None:
        """The server's own answer, whatever the model would say; None: the model answers."""
        quirks = self.quirks
        messages = body.get("messages", [])
        if quirks.reject_null_content and any(
            m.get("role") == "assistant" and "content" in m and m["content"] is None for m in messages
        ):
            return Failure(500, "'NoneType' object has no attribute 'strip'")  # what llama-cpp-python says
        response_format = body.get("response_format") or {}
        if quirks.reject_json_schema and response_format.get("type") == "json_schema":
            return Failure(500, "Unsupported response_format json_schema")
        if quirks.empty_on_auto and body.get("tool_choice") == "auto":
            return reply("")
        return None

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length) or b"{}")
                headers = {key.lower(): value for key, value in self.headers.items()}
                status, payload = fake._answer(self.path, headers, body)
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler


def _error(message: str) -> Json:
    return {"error": {"message": message, "type": "server_error", "param": None, "code": None}}


def _completion(request: Json, message: Json, number: int) -> Json:
    """A chat.completion object as OpenAI returns it, around the scripted assistant message."""
    calls = [
        {
            "id": f"call_{number}_{index}",
            "type": "function",
            "function": {"name": call["name"], "arguments": json.dumps(call["arguments"])},
        }
        for index, call in enumerate(message.get("tool_calls", []))
    ]
    assistant: Json = {"role": "assistant", "content": message.get("content"), "refusal": None}
    if calls:
        assistant["tool_calls"] = calls
    return {
        "id": f"chatcmpl-{number}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": request.get("model", "unknown"),
        "choices": [
            {
                "index": 0,
                "message": assistant,
                "logprobs": None,
                "finish_reason": "tool_calls" if calls else "stop",
            }
        ],
        "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120},
        "system_fingerprint": "fp_fake",
    }
