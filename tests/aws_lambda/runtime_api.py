"""A small Lambda Runtime API (the HTTP interface through which Lambda hands events to a function's
runtime): what `awslambdaric` talks to in an execution environment, served here on loopback so the
packaged function runs through AWS's own runtime interface client. One server per function process:
`invoke` queues an event, the runtime's long poll on /invocation/next takes it, and the response (or the
error, or an init error) comes back to the caller."""

from __future__ import annotations

import json
import queue
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

PREFIX = "/2018-06-01/runtime"


@dataclass
class Invocation:
    request_id: str
    event: dict[str, Any]
    deadline_ms: int
    done: threading.Event = field(default_factory=threading.Event)
    response: Any = None
    error: dict[str, Any] | None = None


class InitError(RuntimeError):
    """The function could not start (Lambda's Runtime.ImportModuleError and the like)."""


class RuntimeApi:
    def __init__(self, function_arn: str, timeout_seconds: float) -> None:
        self.function_arn = function_arn
        self.timeout_seconds = timeout_seconds
        self.init_error: dict[str, Any] | None = None
        self._pending: queue.Queue[Invocation] = queue.Queue()
        self._invocations: dict[str, Invocation] = {}
        self._init_failed = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True

    @property
    def address(self) -> str:
        host, port = self._server.server_address[:2]
        return f"{host!s}:{port}"

    @contextmanager
    def running(self) -> Iterator[RuntimeApi]:
        thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._server.shutdown()
            self._server.server_close()

    def invoke(self, event: dict[str, Any]) -> Any:
        """The function's answer to one event; raises InitError or LambdaError as Lambda would report."""
        request_id = str(uuid.uuid4())
        deadline_ms = int((time.time() + self.timeout_seconds) * 1000)
        invocation = Invocation(request_id, event, deadline_ms)
        self._invocations[request_id] = invocation
        self._pending.put(invocation)
        deadline = time.monotonic() + self.timeout_seconds + 30  # the first call includes the cold start
        while not invocation.done.wait(0.05):
            if self._init_failed.is_set():
                raise InitError(json.dumps(self.init_error))
            if time.monotonic() > deadline:
                raise TimeoutError(f"the function did not answer within {self.timeout_seconds} s")
        if invocation.error is not None:
            raise LambdaError(invocation.error)
        return invocation.response

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                if self.path != f"{PREFIX}/invocation/next":
                    self._answer(HTTPStatus.NOT_FOUND, b"{}")
                    return
                invocation = api._pending.get()  # the runtime's long poll
                headers = {
                    "Lambda-Runtime-Aws-Request-Id": invocation.request_id,
                    "Lambda-Runtime-Deadline-Ms": str(invocation.deadline_ms),
                    "Lambda-Runtime-Invoked-Function-Arn": api.function_arn,
                    "Lambda-Runtime-Trace-Id": f"Root=1-{uuid.uuid4().hex[:8]}-{uuid.uuid4().hex[:24]}",
                }
                self._answer(HTTPStatus.OK, json.dumps(invocation.event).encode(), headers)

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                parts = self.path.removeprefix(PREFIX).strip("/").split("/")
                if parts == ["init", "error"]:
                    api.init_error = json.loads(body or b"{}")
                    api._init_failed.set()
                elif len(parts) == 3 and parts[0] == "invocation" and parts[1] in api._invocations:
                    invocation = api._invocations[parts[1]]
                    if parts[2] == "response":
                        invocation.response = json.loads(body) if body else None
                    else:
                        invocation.error = json.loads(body or b"{}")
                    invocation.done.set()
                else:
                    self._answer(HTTPStatus.NOT_FOUND, b"{}")
                    return
                self._answer(HTTPStatus.ACCEPTED, b'{"status":"OK"}')

            def _answer(self, status: HTTPStatus, body: bytes, headers: dict[str, str] | None = None) -> None:
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        return Handler


class LambdaError(RuntimeError):
    """The handler raised: Lambda's error payload (errorType, errorMessage, stackTrace)."""

    def __init__(self, payload: dict[str, Any]) -> None:
        super().__init__(f"{payload.get('errorType')}: {payload.get('errorMessage')}")
        self.payload = payload
