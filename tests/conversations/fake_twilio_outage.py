"""A fake Twilio Messages API for outages, on a local port, for the real `twilio` SDK: POST creates a
message (or answers what the test scripted: an error status, or a reply slower than the sender's
timeout after creating it, like a response lost on the way back), GET lists the created messages
newest first, as Twilio's list does."""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

_sids = itertools.count(1)


@dataclass
class Outcome:
    """What the next POST gets: `status` with a Twilio error (no message created), or a created
    message answered after `delay` seconds."""

    status: int = 201
    code: int | None = None
    delay: float = 0.0


@dataclass
class FakeTwilioOutage:
    url: str = ""
    script: list[Outcome] = field(default_factory=list)
    created: list[dict[str, Any]] = field(default_factory=list)
    posts: list[str] = field(default_factory=list)
    """The body (or ContentSid) of every POST, in order, whatever its answer."""
    lists: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fail(self, times: int, status: int = 503, code: int = 20503) -> None:
        self.script.extend(Outcome(status, code) for _ in range(times))

    def delivered(self) -> list[str]:
        return [m["body"] for m in self.created]

    def _post(self, form: dict[str, str], account: str) -> tuple[int, dict[str, Any], float]:
        with self.lock:
            self.posts.append(form.get("Body") or form.get("ContentSid", ""))
            outcome = self.script.pop(0) if self.script else Outcome()
            if outcome.status >= 400:
                payload = {"code": outcome.code, "message": f"error {outcome.code}", "status": outcome.status}
                return outcome.status, payload, 0.0
            message = {
                "sid": f"SM{next(_sids):032x}",
                "account_sid": account,
                "from": form["From"],
                "to": form["To"],
                "body": form.get("Body", ""),
                "status": "queued",
                "direction": "outbound-api",
                "api_version": "2010-04-01",
                "date_created": format_datetime(datetime.now(UTC)),
                "error_code": None,
                "error_message": None,
            }
            self.created.append(message)
            return 201, message, outcome.delay

    def _list(self, query: dict[str, str]) -> dict[str, Any]:
        with self.lock:
            self.lists += 1
            found = [
                m
                for m in reversed(self.created)
                if m["to"] == query.get("To", m["to"]) and m["from"] == query.get("From", m["from"])
            ]
        return {
            "messages": found[: int(query.get("PageSize", 50))],
            "end": len(found) - 1,
            "first_page_uri": "/",
            "next_page_uri": None,
            "page": 0,
            "page_size": int(query.get("PageSize", 50)),
            "previous_page_uri": None,
            "start": 0,
            "uri": "/",
        }


@pytest.fixture
def twilio_outage() -> Iterator[FakeTwilioOutage]:
    fake = FakeTwilioOutage()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers["Content-Length"])
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            account = self.path.split("/Accounts/")[1].split("/")[0]
            status, payload, delay = fake._post(form, account)
            time.sleep(delay)
            self._answer(status, payload)

        def do_GET(self) -> None:
            query = {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}
            self._answer(200, fake._list(query))

        def _answer(self, status: int, payload: dict[str, Any]) -> None:
            body = json.dumps(payload).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting (the timeout the test scripted)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    yield fake
    server.shutdown()
    server.server_close()
