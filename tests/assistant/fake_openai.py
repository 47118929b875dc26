"""A local OpenAI-compatible server (POST /v1/chat/completions), so the real `openai` client and
LangChain run unmodified in tests. Each test scripts its answers and reads back every request."""

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


Step = Json | Failure | Slow | Callable[[Json], "Json | Failure"]


def tool_call(name: str, **args: Any) -> Json:
    """An assistant message asking for one tool call."""
    return {"content": None, "tool_calls": [{"name": name, "arguments": args}]}


def reply(content: str) -> Json:
    """An assistant message with text."""
    return {"content": content}


class FakeOpenAI:
    def __init__(self) -> None:
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
            step: Step | None = self._steps.popleft() if self._steps else None
            self._calls += 1
            number = self._calls
        if path != "/v1/chat/completions":
            return 404, _error(f"unknown path {path}")
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
